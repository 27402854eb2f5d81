//! Writes one session's server or client log: preamble, the periodic metric
//! and ping lines, chatter, warnings and errors (denser and in bursts when
//! the session is in trouble), and the closing lines.

use crate::builds::Build;
use crate::layout::{Level, LineWriter, loc};
use crate::messages::{self as msg, Cat, Ctx, Tpl};
use crate::rng::{Rng8, between, chance, exponential, lognormal, pick, uniform, us};
use crate::text::Out;
use crate::timeline::{ActivityCursor, ClientOs, StressCursor, Timeline};

/// Everything a log of one session is written from.
pub(crate) struct Session<'a> {
    pub tl: &'a Timeline,
    pub build: &'static Build,
    pub server_ip: u32,
    /// Account name on the client machine.
    pub account: &'a str,
}

impl Session<'_> {
    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            tl: self.tl,
            server_ip: self.server_ip,
            account: self.account,
            frame: 0,
            width: self.tl.width,
            height: self.tl.height,
        }
    }
}

/// A run of the same warning or error in quick succession.
struct Burst {
    tpl: Option<&'static Tpl>,
    left: u32,
}

/// The templates and rates (per second) of a log's background events.
struct BackgroundSpec {
    chatter: &'static [Tpl],
    chat_rate: f64,
    issues: &'static [Tpl],
    /// Rate of candidate issues, thinned by the stress at the time.
    max_issue_rate: f64,
    debug: &'static [Tpl],
    debug_rate: f64,
}

/// Chatter, warnings and errors (with their bursts) and debug lines: the
/// events that server and client logs schedule alike.
struct Background {
    spec: BackgroundSpec,
    next_chat: i64,
    next_issue: i64,
    next_debug: i64,
    next_burst: i64,
    burst: Burst,
}

impl Background {
    /// Schedules the first events after `start`.
    fn new(spec: BackgroundSpec, rng: &mut Rng8, start: i64) -> Self {
        let next_chat = next_after(rng, start, spec.chat_rate);
        let next_issue = next_after(rng, start, spec.max_issue_rate);
        let next_debug = next_after(rng, start, spec.debug_rate);
        Self {
            spec,
            next_chat,
            next_issue,
            next_debug,
            next_burst: i64::MAX,
            burst: Burst { tpl: None, left: 0 },
        }
    }

    /// Time of the next background event.
    fn next_at(&self) -> i64 {
        self.next_chat
            .min(self.next_issue)
            .min(self.next_debug)
            .min(self.next_burst)
    }

    /// Writes the event due at `t` (which is [`Self::next_at`]) and
    /// schedules its successor.
    fn handle(
        &mut self,
        t: i64,
        tl: &Timeline,
        stress: &mut StressCursor,
        rng: &mut Rng8,
        w: &mut LineWriter<'_>,
        ctx: &Ctx<'_>,
    ) {
        let spec = &self.spec;
        if t == self.next_chat {
            let (_, _, trouble) = stress.at(tl, t);
            let tpl = msg::choose(rng, spec.chatter, trouble);
            emit_tpl(w, rng, t, tpl, ctx);
            self.next_chat = next_after(rng, t, spec.chat_rate);
        } else if t == self.next_issue {
            let (net, enc, trouble) = stress.at(tl, t);
            let st = net.max(enc);
            if chance(rng, issue_weight(st) / issue_weight(tl.max_stress)) {
                let tpl = msg::choose(rng, spec.issues, trouble);
                emit_tpl(w, rng, t, tpl, ctx);
                if st > 2.5 && tpl.cat != Cat::Other && chance(rng, 0.45) {
                    self.burst = Burst {
                        tpl: Some(tpl),
                        left: between(rng, 2, 9) as u32,
                    };
                    self.next_burst = t + us(exponential(rng, 0.25)).max(1);
                }
            }
            self.next_issue = next_after(rng, t, spec.max_issue_rate);
        } else if t == self.next_burst {
            if let Some(tpl) = self.burst.tpl {
                emit_tpl(w, rng, t, tpl, ctx);
            }
            self.burst.left = self.burst.left.saturating_sub(1);
            self.next_burst = if self.burst.left == 0 {
                i64::MAX
            } else {
                t + us(exponential(rng, 0.25)).max(1)
            };
        } else {
            let tpl = msg::choose(rng, spec.debug, None);
            emit_tpl(w, rng, t, tpl, ctx);
            self.next_debug = next_after(rng, t, spec.debug_rate);
        }
    }
}

/// Emits a template line.
fn emit_tpl(w: &mut LineWriter<'_>, rng: &mut Rng8, t: i64, tpl: &Tpl, ctx: &Ctx<'_>) {
    w.emit(t, tpl.level, &tpl.at, false, |m| (tpl.render)(rng, m, ctx));
}

/// Per-second rate of warnings/errors at stress `s` (thinned from the maximum).
fn issue_weight(s: f64) -> f64 {
    s.powf(1.6)
}

/// Next candidate time of a Poisson process with the given rate per second.
fn next_after(rng: &mut Rng8, t: i64, rate: f64) -> i64 {
    if rate <= 0.0 {
        i64::MAX
    } else {
        t + us(exponential(rng, 1.0 / rate)).max(1)
    }
}

/// Advances a preamble clock by a few milliseconds.
fn tick(rng: &mut Rng8, t: &mut i64, mean_s: f64) -> i64 {
    *t += us(exponential(rng, mean_s)).max(7);
    *t
}

/// Writes the server log of `s`.
pub(crate) fn write_server(s: &Session<'_>, rng: &mut Rng8, w: &mut LineWriter<'_>) {
    let tl = s.tl;
    let mut ctx = s.ctx();
    server_preamble(s, rng, w);
    if w.full() {
        return;
    }

    let period = us(30.0 / f64::from(tl.fps));
    let mut act = ActivityCursor::new();
    let mut stress = StressCursor::new();
    let mut next_encode = act.next_active(tl, tl.connect + period).unwrap_or(i64::MAX);
    let mut resize_i = 0;
    let base_issue = if tl.degraded {
        1.0 / 150.0
    } else {
        1.0 / 500.0
    };
    let mut bg = Background::new(
        BackgroundSpec {
            chatter: msg::SERVER_CHATTER,
            chat_rate: 0.05,
            issues: msg::SERVER_ISSUES,
            max_issue_rate: base_issue * issue_weight(tl.max_stress),
            debug: msg::SERVER_DEBUG,
            debug_rate: tl.debug_rate_server,
        },
        rng,
        tl.connect,
    );
    let end = tl.disconnect;

    loop {
        if w.full() {
            return;
        }
        let next_resize = tl.resizes.get(resize_i).map_or(i64::MAX, |r| r.0 + 30_000);
        let t = next_encode.min(bg.next_at()).min(next_resize);
        if t >= end {
            break;
        }
        ctx.frame = tl.frame_at(t);
        if t == next_encode {
            let (net, enc, _) = stress.at(tl, t);
            encode_metrics(s.build, tl, rng, w, t, net, enc);
            next_encode = act
                .next_active(tl, t + period + between(rng, 0, 2000) as i64)
                .unwrap_or(i64::MAX);
        } else if t == next_resize {
            let (_, width, height) = tl.resizes[resize_i];
            resize_i += 1;
            ctx.width = width;
            ctx.height = height;
            w.emit(t, Level::Info, &msg::RESOLUTION_CHANGED, false, |m| {
                m.s("Resolution changed to ")
                    .u(u64::from(width))
                    .s("x")
                    .u(u64::from(height));
            });
            let (_, enc, _) = stress.at(tl, t);
            let took = lognormal(rng, 0.045, 0.5) * enc;
            w.emit(
                t + us(took),
                Level::Info,
                &msg::CREATE_ENCODER,
                false,
                |m| {
                    m.s("Time to create encoder: ").f6(took);
                },
            );
        } else {
            bg.handle(t, tl, &mut stress, rng, w, &ctx);
        }
    }
    server_epilogue(s, rng, w);
}

/// One round of encoder statistics (every 30 frames).
fn encode_metrics(
    build: &Build,
    tl: &Timeline,
    rng: &mut Rng8,
    w: &mut LineWriter<'_>,
    t: i64,
    net: f64,
    enc: f64,
) {
    let avg_time = tl.enc_base * lognormal(rng, 1.0, 0.12) * (1.0 + 1.4 * (enc - 1.0));
    let frame_bytes = f64::from(tl.bitrate_kbps) * 125.0 / f64::from(tl.fps);
    let total =
        (30.0 * frame_bytes * lognormal(rng, 1.0, 0.35) / (1.0 + 0.3 * (net - 1.0))).round();
    let avg_size = total / 30.0;
    let longest = chance(rng, 0.25).then(|| {
        (
            avg_time * uniform(rng, 1.3, 4.0),
            (avg_size * uniform(rng, 1.5, 6.0)).round(),
        )
    });
    let write_longest = |w: &mut LineWriter<'_>, (lt, ls): (f64, f64)| {
        w.emit(t, Level::Info, &msg::LONGEST_ENCODE_TIME, true, |m| {
            m.s("Longest Encode Time: ").f6(lt);
        });
        w.emit(t, Level::Info, &msg::LONGEST_ENCODE_SIZE, true, |m| {
            m.s("Longest Encode Size: ").f6(ls);
        });
    };
    if let Some(l) = longest.filter(|_| build.longest_first) {
        write_longest(w, l);
    }
    w.emit(t, Level::Info, &msg::AVG_ENCODE_TIME, true, |m| {
        m.s("Average Encode Time: ").f6(avg_time);
    });
    w.emit(t, Level::Info, &msg::AVG_ENCODE_SIZE, true, |m| {
        m.s("Average Encode Size: ").f6(avg_size);
    });
    if let Some(l) = longest.filter(|_| !build.longest_first) {
        write_longest(w, l);
    }
}

fn server_preamble(s: &Session<'_>, rng: &mut Rng8, w: &mut LineWriter<'_>) {
    let tl = s.tl;
    let mut t = tl.server_start;
    let info = Level::Info;
    w.emit(t, info, &loc("main.c", "main", 455), false, |m| {
        m.s("Version Number: ").s(s.build.id);
    });
    w.emit(
        tick(rng, &mut t, 0.002),
        info,
        &loc("main.c", "main", 461),
        false,
        |m| {
            m.s("Fractal server starting, listening on UDP 32263 / TCP 32264");
        },
    );
    w.emit(
        tick(rng, &mut t, 0.01),
        info,
        &loc("sysinfo.c", "PrintOSInfo", 42),
        false,
        |m| {
            m.s(pick(
                rng,
                &[
                    "OS: Windows Server 2019 Datacenter (10.0.17763)",
                    "OS: Windows 10 Pro (10.0.18363)",
                    "OS: Windows Server 2016 Datacenter (10.0.14393)",
                ],
            ));
        },
    );
    w.emit(
        tick(rng, &mut t, 0.01),
        info,
        &loc("sysinfo.c", "PrintCPUInfo", 71),
        false,
        |m| {
            m.s(pick(
                rng,
                &[
                    "CPU: Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz",
                    "CPU: Intel(R) Xeon(R) CPU E5-2686 v4 @ 2.30GHz",
                    "CPU: AMD EPYC 7V12 64-Core Processor",
                ],
            ));
            m.s(", ").u(pick(rng, &[4, 8, 16])).s(" cores");
        },
    );
    w.emit(
        tick(rng, &mut t, 0.005),
        info,
        &loc("sysinfo.c", "PrintRAMInfo", 95),
        false,
        |m| {
            m.s("Total RAM: ").u(pick(rng, &[16, 32, 61, 64])).s(" GB");
        },
    );
    w.emit(
        tick(rng, &mut t, 0.05),
        info,
        &loc("dxgicapture.c", "CreateCaptureDevice", 88),
        false,
        |m| {
            m.s("Found adapter 0: ")
                .s(msg::GPUS[tl.gpu])
                .s(" (")
                .u(pick(rng, &[8192, 16384, 15360]))
                .s(" MB)");
        },
    );
    if chance(rng, 0.55) {
        w.emit(
            tick(rng, &mut t, 0.004),
            Level::Warning,
            &msg::DISPLAY_MODES,
            false,
            |m| {
                m.s("Could not GetDisplayModeList: 887A0022");
            },
        );
    } else if chance(rng, 0.5) {
        w.emit(
            tick(rng, &mut t, 0.004),
            info,
            &loc("dxgicapture.c", "CreateCaptureDevice", 140),
            false,
            |m| {
                msg::display_modes(rng, m);
            },
        );
    }
    w.emit(
        tick(rng, &mut t, 0.01),
        info,
        &loc("dxgicapture.c", "CreateCaptureDevice", 162),
        false,
        |m| {
            m.s("Capturing output 0 at ")
                .u(u64::from(tl.width))
                .s("x")
                .u(u64::from(tl.height));
        },
    );
    w.emit(
        tick(rng, &mut t, 0.02),
        info,
        &loc("audiocapture.c", "CreateAudioDevice", 64),
        false,
        |m| {
            m.s("Audio device: Speakers (NVIDIA Virtual Audio Device), 48000 Hz, 2 channels");
        },
    );
    w.emit(
        tick(rng, &mut t, 0.003),
        info,
        &loc("network.c", "CreateUDPContext", 280),
        false,
        |m| {
            m.s("Waiting for client to connect on UDP port 32263...");
        },
    );
    let mut t = tl.connect;
    w.emit(
        t,
        info,
        &loc("network.c", "CreateUDPContext", 305),
        false,
        |m| {
            m.s("Client connected from ")
                .ip(tl.client_ip)
                .s(":")
                .u(u64::from(tl.client_port));
        },
    );
    w.emit(
        tick(rng, &mut t, 0.01),
        info,
        &loc("client_message_handler.c", "handleDimensionsMessage", 80),
        false,
        |m| {
            m.s("Received client dimensions ")
                .u(u64::from(tl.width))
                .s("x")
                .u(u64::from(tl.height));
        },
    );
    let took = lognormal(rng, 0.06, 0.5);
    t += us(took);
    w.emit(t, info, &msg::CREATE_ENCODER, false, |m| {
        m.s("Time to create encoder: ").f6(took);
    });
    w.emit(
        tick(rng, &mut t, 0.002),
        info,
        &msg::ENCODER_INFO,
        false,
        |m| {
            m.s("Using NVENC (")
                .s(pick(rng, &["H264", "H264", "HEVC"]))
                .s("), bitrate ")
                .u(u64::from(tl.bitrate_kbps));
            m.s(" kbps, ").u(u64::from(tl.fps)).s(" fps");
        },
    );
}

fn server_epilogue(s: &Session<'_>, rng: &mut Rng8, w: &mut LineWriter<'_>) {
    let tl = s.tl;
    let mut t = tl.server_end.max(w.last_time());
    if tl.failure_end {
        w.emit(t, Level::Warning, &msg::CLIENT_TIMEOUT, false, |m| {
            m.s("Client ")
                .ip(tl.client_ip)
                .s(":")
                .u(u64::from(tl.client_port))
                .s(" timed out: no ping for 5 s");
        });
    } else {
        w.emit(
            t,
            Level::Info,
            &loc("client_message_handler.c", "handleQuitMessage", 201),
            false,
            |m| {
                m.s("Client quit");
            },
        );
    }
    w.emit(
        tick(rng, &mut t, 0.003),
        Level::Info,
        &loc("network.c", "closeConnection", 455),
        false,
        |m| {
            m.s("Closing UDP connection to ")
                .ip(tl.client_ip)
                .s(":")
                .u(u64::from(tl.client_port));
        },
    );
    let secs = (tl.disconnect - tl.connect) as f64 * 1e-6;
    w.emit(
        tick(rng, &mut t, 0.01),
        Level::Info,
        &loc("main.c", "main", 640),
        false,
        |m| {
            m.s("Session stats: ")
                .u(tl.frame_at(tl.disconnect))
                .s(" frames, ");
            m.fx(
                secs * f64::from(tl.bitrate_kbps) / 8000.0 * uniform(rng, 0.3, 0.9),
                1,
            )
            .s(" MB in ")
            .fx(secs, 1)
            .s(" s");
        },
    );
    w.emit(
        tick(rng, &mut t, 0.05),
        Level::Info,
        &loc("main.c", "main", 660),
        false,
        |m| {
            m.s("Server exiting");
        },
    );
}

/// Writes the client log of `s`.
pub(crate) fn write_client(s: &Session<'_>, rng: &mut Rng8, w: &mut LineWriter<'_>) {
    let tl = s.tl;
    let mut ctx = s.ctx();
    client_preamble(s, rng, w);
    if w.full() {
        return;
    }

    let ping_period = 500_000;
    let decode_period = us(10.0 / f64::from(tl.fps));
    let mut act = ActivityCursor::new();
    let mut stress = StressCursor::new();
    let mut next_ping = tl.connect + between(rng, 20_000, 500_000) as i64;
    let mut next_pong = i64::MAX;
    let mut pong_rtt = 0.0;
    let mut ping_id: u64 = 0;
    let mut awaiting: Option<u64> = None;
    let mut fails = 0u32;
    let mut next_decode = act
        .next_active(tl, tl.connect + decode_period)
        .unwrap_or(i64::MAX);
    let mut resize_i = 0;
    let base_issue = if tl.degraded {
        1.0 / 120.0
    } else {
        1.0 / 400.0
    };
    let mut bg = Background::new(
        BackgroundSpec {
            chatter: msg::CLIENT_CHATTER,
            chat_rate: 0.06,
            issues: msg::CLIENT_ISSUES,
            max_issue_rate: base_issue * issue_weight(tl.max_stress),
            debug: msg::CLIENT_DEBUG,
            debug_rate: tl.debug_rate_client,
        },
        rng,
        tl.connect,
    );
    let mut next_reconnect = i64::MAX;
    let mut reconnects = 0u64;
    let failure_window = tl.disconnect - us(2.6);
    let end = tl.disconnect;
    let mut gave_up = false;

    loop {
        if w.full() {
            return;
        }
        let next_resize = tl.resizes.get(resize_i).map_or(i64::MAX, |r| r.0);
        let t = next_ping
            .min(next_pong)
            .min(next_decode)
            .min(bg.next_at())
            .min(next_reconnect)
            .min(next_resize);
        if t >= end {
            break;
        }
        ctx.frame = tl.frame_at(t);
        if t == next_pong {
            w.emit(t, Level::Info, &msg::LATENCY, true, |m| {
                m.s("Latency: ").f6(pong_rtt);
            });
            next_pong = i64::MAX;
        } else if t == next_ping {
            if let Some(id) = awaiting {
                fails += 1;
                w.emit(t, Level::Warning, &msg::NO_RESPONSE, false, |m| {
                    m.s("Ping received no response: ").u(id);
                });
                if fails >= 3 {
                    w.emit(t, Level::Error, &msg::DISCONNECTED, false, |m| {
                        m.s("Server disconnected: 3 consecutive ping failures.");
                    });
                    if tl.failure_end && t >= failure_window {
                        gave_up = true;
                        break;
                    }
                    reconnects += 1;
                    w.emit(t + 150, Level::Info, &msg::RECONNECT, false, |m| {
                        m.s("Attempting to reconnect to ")
                            .ip(s.server_ip)
                            .s(" (attempt ")
                            .u(reconnects)
                            .s(")");
                    });
                    awaiting = None;
                    fails = 0;
                    let pause = us(uniform(rng, 1.0, 5.0));
                    next_reconnect = t + pause;
                    next_ping = i64::MAX;
                    next_pong = i64::MAX;
                    next_decode = i64::MAX;
                    continue;
                }
            } else {
                fails = 0;
            }
            ping_id += 1;
            w.emit(t, Level::Info, &msg::PING, false, |m| {
                m.s("Ping! ").u(ping_id);
            });
            let (net, _, _) = stress.at(tl, t);
            let rtt = tl.base_rtt * lognormal(rng, 1.0, 0.18) * (1.0 + 0.9 * (net - 1.0));
            let lost = (tl.failure_end && t >= failure_window)
                || chance(rng, (0.0015 * net.powf(2.2)).min(0.9))
                || rtt > 0.45;
            if lost {
                awaiting = Some(ping_id);
            } else {
                awaiting = None;
                pong_rtt = rtt;
                next_pong = t + us(rtt).max(1);
            }
            next_ping = t + ping_period + between(rng, 0, 3000) as i64;
        } else if t == next_decode {
            let (net, enc, _) = stress.at(tl, t);
            let avg = tl.dec_base * lognormal(rng, 1.0, 0.15) * (1.0 + 0.25 * (net.max(enc) - 1.0));
            w.emit(t, Level::Info, &msg::AVG_DECODE_TIME, true, |m| {
                m.s("Avg Decode Time: ").f6(avg);
            });
            next_decode = act
                .next_active(tl, t + decode_period + between(rng, 0, 1500) as i64)
                .unwrap_or(i64::MAX);
        } else if t == next_reconnect {
            w.emit(t, Level::Info, &msg::RECONNECT, false, |m| {
                m.s("Reconnected to ")
                    .ip(s.server_ip)
                    .s(":32263 after ")
                    .u(reconnects)
                    .s(" attempt(s)");
            });
            next_reconnect = i64::MAX;
            next_ping = t + between(rng, 10_000, 100_000) as i64;
            next_decode = act.next_active(tl, t + decode_period).unwrap_or(i64::MAX);
        } else if t == next_resize {
            let (_, width, height) = tl.resizes[resize_i];
            resize_i += 1;
            ctx.width = width;
            ctx.height = height;
            w.emit(t, Level::Info, &msg::WINDOW_RESIZED, false, |m| {
                m.s("Window resized to ")
                    .u(u64::from(width))
                    .s("x")
                    .u(u64::from(height))
                    .s(", sending new dimensions");
            });
        } else {
            bg.handle(t, tl, &mut stress, rng, w, &ctx);
        }
    }
    if tl.failure_end && !gave_up {
        // The last pings went unanswered: report them and give up.
        let mut t = end.max(w.last_time());
        while fails < 3 {
            fails += 1;
            let id = awaiting.unwrap_or(ping_id);
            w.emit(t, Level::Warning, &msg::NO_RESPONSE, false, |m| {
                m.s("Ping received no response: ").u(id);
            });
            ping_id += 1;
            awaiting = Some(ping_id);
            t += ping_period;
        }
        w.emit(t, Level::Error, &msg::DISCONNECTED, false, |m| {
            m.s("Server disconnected: 3 consecutive ping failures.");
        });
    }
    client_epilogue(s, rng, w);
}

fn client_preamble(s: &Session<'_>, rng: &mut Rng8, w: &mut LineWriter<'_>) {
    let tl = s.tl;
    let mut t = tl.client_start;
    let info = Level::Info;
    w.emit(t, info, &loc("main.c", "main", 120), false, |m| {
        m.s("Fractal client version ").s(s.build.id);
    });
    w.emit(
        tick(rng, &mut t, 0.002),
        info,
        &loc("sysinfo.c", "print_system_info", 40),
        false,
        |m| match tl.client_os {
            ClientOs::Linux => {
                m.s(pick(
                    rng,
                    &[
                        "OS: Ubuntu 20.04 LTS (Linux 5.4.0-42-generic x86_64)",
                        "OS: Ubuntu 18.04.4 LTS (Linux 5.3.0-53-generic x86_64)",
                        "OS: Fedora 32 (Linux 5.7.7-200.fc32.x86_64)",
                        "OS: Arch Linux (Linux 5.7.9-arch1-1 x86_64)",
                    ],
                ));
            }
            ClientOs::Mac => {
                m.s(pick(
                    rng,
                    &[
                        "OS: macOS 10.15.5 (19F101)",
                        "OS: macOS 10.15.4 (19E287)",
                        "OS: macOS 10.14.6 (18G103)",
                    ],
                ));
            }
        },
    );
    w.emit(
        tick(rng, &mut t, 0.003),
        info,
        &loc("main.c", "parseArgs", 88),
        false,
        |m| {
            m.s("Connecting to ")
                .ip(s.server_ip)
                .s(" at ")
                .u(u64::from(tl.width))
                .s("x")
                .u(u64::from(tl.height));
            m.s(", ").u(u64::from(tl.bitrate_kbps)).s(" kbps");
        },
    );
    if chance(rng, 0.2) {
        w.emit(
            tick(rng, &mut t, 0.003),
            info,
            &loc("main.c", "main", 180),
            false,
            |m| {
                msg::decoder_caps(rng, m);
            },
        );
    }
    let mut t = (tl.connect - us(0.05)).max(t);
    let ms = (tl.connect - tl.client_start) / 1000;
    w.emit(
        t,
        info,
        &loc("network.c", "CreateUDPContext", 301),
        false,
        |m| {
            m.s("Connected to ")
                .ip(s.server_ip)
                .s(":32263 after ")
                .i(ms)
                .s(" ms");
        },
    );
    w.emit(
        tick(rng, &mut t, 0.01),
        info,
        &loc("videodecode.c", "create_video_decoder", 210),
        false,
        |m| {
            let dec = match tl.client_os {
                ClientOs::Linux => pick(rng, &["VAAPI", "VAAPI", "software"]),
                ClientOs::Mac => pick(rng, &["VideoToolbox", "VideoToolbox", "software"]),
            };
            m.s("Using ").s(dec).s(" decoder (h264)");
        },
    );
    w.emit(
        tick(rng, &mut t, 0.005),
        info,
        &loc("sdlscreeninfo.c", "get_native_screen_dimensions", 50),
        false,
        |m| {
            m.s("Screen: ")
                .u(u64::from(tl.width))
                .s("x")
                .u(u64::from(tl.height))
                .s(" @ ")
                .u(pick(rng, &[60, 60, 75, 120, 144]))
                .s(" Hz");
        },
    );
    w.emit(
        tick(rng, &mut t, 0.005),
        info,
        &loc("audio.c", "initAudio", 60),
        false,
        |m| {
            m.s("Audio: 48000 Hz, 2 channels, buffer ")
                .u(pick(rng, &[1024, 2048, 4096]));
        },
    );
}

fn client_epilogue(s: &Session<'_>, rng: &mut Rng8, w: &mut LineWriter<'_>) {
    let tl = s.tl;
    let mut t = tl.client_end.max(w.last_time());
    let secs = (tl.disconnect - tl.connect) as f64 * 1e-6;
    w.emit(
        t,
        Level::Info,
        &loc("main.c", "main", 402),
        false,
        |m: &mut Out<'_>| {
            if tl.failure_end {
                m.s("Exiting after server timeout, connected ")
                    .fx(secs, 1)
                    .s(" s");
            } else {
                m.s("Quitting after ").fx(secs, 1).s(" s");
            }
        },
    );
    w.emit(
        tick(rng, &mut t, 0.004),
        Level::Info,
        &loc("network.c", "closeConnection", 480),
        false,
        |m| {
            m.s("Closed connection to ").ip(s.server_ip);
        },
    );
    w.emit(
        tick(rng, &mut t, 0.02),
        Level::Info,
        &loc("main.c", "main", 420),
        false,
        |m| {
            m.s("Client exited with code ").u(u64::from(tl.failure_end));
        },
    );
}
