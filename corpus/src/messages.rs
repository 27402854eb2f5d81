//! What the logs say: source locations of the fixed lines (metrics, pings),
//! and the templates of chatter, debug lines, warnings and errors, each
//! filled with numbers, hex codes, paths, ids and addresses.

use crate::layout::{Level, Loc, loc};
use crate::rng::{Rng8, between, chance, pick, uniform};
use crate::text::Out;
use crate::timeline::{ClientOs, Timeline, Trouble};

// ---- fixed server lines ----
pub(crate) const AVG_ENCODE_TIME: Loc = loc("main.c", "SendVideo", 307);
pub(crate) const AVG_ENCODE_SIZE: Loc = loc("main.c", "SendVideo", 310);
pub(crate) const LONGEST_ENCODE_TIME: Loc = loc("main.c", "SendVideo", 313);
pub(crate) const LONGEST_ENCODE_SIZE: Loc = loc("main.c", "SendVideo", 316);
pub(crate) const CREATE_ENCODER: Loc = loc("main.c", "SendVideo", 254);
pub(crate) const ENCODER_INFO: Loc = loc("videoencode.c", "create_video_encoder", 171);
pub(crate) const RESOLUTION_CHANGED: Loc = loc("main.c", "SendVideo", 238);
pub(crate) const DISPLAY_MODES: Loc = loc("dxgicapture.c", "CreateCaptureDevice", 121);
pub(crate) const CLIENT_TIMEOUT: Loc = loc("main.c", "main", 612);

// ---- fixed client lines ----
pub(crate) const PING: Loc = loc("main.c", "update", 215);
pub(crate) const NO_RESPONSE: Loc = loc("main.c", "update", 208);
pub(crate) const DISCONNECTED: Loc = loc("main.c", "update", 240);
pub(crate) const LATENCY: Loc = loc("server_message_handler.c", "handlePongMessage", 79);
pub(crate) const AVG_DECODE_TIME: Loc = loc("videodecode.c", "video_decoder_decode", 490);
pub(crate) const RECONNECT: Loc = loc("main.c", "main", 342);
pub(crate) const WINDOW_RESIZED: Loc = loc("main.c", "handleWindowSizeChanged", 131);

/// GPUs of the server VMs.
pub(crate) const GPUS: &[&str] = &[
    "NVIDIA Tesla T4",
    "NVIDIA Tesla M60",
    "NVIDIA GRID K520",
    "NVIDIA Tesla V100-SXM2-16GB",
];

/// What a template can draw on.
pub(crate) struct Ctx<'a> {
    pub tl: &'a Timeline,
    pub server_ip: u32,
    /// Account name on the client machine.
    pub account: &'a str,
    /// Frame number at the time of the line.
    pub frame: u64,
    /// Current stream size.
    pub width: u32,
    pub height: u32,
}

/// What a template is about, to favour the right ones during trouble.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cat {
    Net,
    Codec,
    Other,
}

/// Renders a message.
pub(crate) type Render = fn(&mut Rng8, &mut Out<'_>, &Ctx<'_>);

/// A message template.
pub(crate) struct Tpl {
    pub level: Level,
    pub at: Loc,
    pub cat: Cat,
    pub weight: f64,
    pub render: Render,
}

/// Chooses a template, favouring those matching the current trouble.
pub(crate) fn choose<'t>(rng: &mut Rng8, tpls: &'t [Tpl], trouble: Option<Trouble>) -> &'t Tpl {
    let boost = |t: &Tpl| -> f64 {
        let hit = match (trouble, t.cat) {
            (Some(Trouble::Network), Cat::Net) | (Some(Trouble::Encoder), Cat::Codec) => 6.0,
            (Some(Trouble::Both), Cat::Net | Cat::Codec) => 4.0,
            _ => 1.0,
        };
        t.weight * hit
    };
    let total: f64 = tpls.iter().map(boost).sum();
    let mut x = uniform(rng, 0.0, total);
    for t in tpls {
        let w = boost(t);
        if x < w {
            return t;
        }
        x -= w;
    }
    &tpls[tpls.len() - 1]
}

fn win_user(rng: &mut Rng8) -> &'static str {
    if chance(rng, 0.6) {
        "Administrator"
    } else {
        "Fractal"
    }
}

/// Warnings and errors of the Windows server.
pub(crate) static SERVER_ISSUES: &[Tpl] = &[
    Tpl {
        level: Level::Warning,
        at: DISPLAY_MODES,
        cat: Cat::Other,
        weight: 2.0,
        render: |_, m, _| {
            m.s("Could not GetDisplayModeList: 887A0022");
        },
    },
    Tpl {
        level: Level::Warning,
        at: loc("dxgicapture.c", "CaptureScreen", 401),
        cat: Cat::Codec,
        weight: 3.0,
        render: |r, m, _| {
            m.s("Failed to AcquireNextFrame: 887A0027 (timeout ")
                .u(between(r, 16, 1000))
                .s(" ms)");
        },
    },
    Tpl {
        level: Level::Error,
        at: loc("dxgicapture.c", "CaptureScreen", 389),
        cat: Cat::Codec,
        weight: 0.4,
        render: |r, m, _| {
            m.s("DXGI device removed: 887A0005 (reason ")
                .s(pick(r, &["887A0006", "887A0007", "887A0020"]))
                .s(")");
        },
    },
    Tpl {
        level: Level::Error,
        at: loc("main.c", "LoadCaptureLibraries", 88),
        cat: Cat::Other,
        weight: 1.0,
        render: |r, m, _| {
            let user = win_user(r);
            m.s("Failed to open C:\\Users\\")
                .s(user)
                .s("\\AppData\\Local\\Fractal\\");
            m.s(pick(
                r,
                &[
                    "avcodec-58.dll",
                    "nvEncodeAPI64.dll",
                    "SDL2.dll",
                    "swscale-5.dll",
                    "opus.dll",
                ],
            ));
            m.s(" (0x")
                .s(pick(r, &["80070005", "8007007E", "80070002", "800705AA"]))
                .s(")");
        },
    },
    Tpl {
        level: Level::Warning,
        at: loc("videoencode.c", "video_encoder_encode", 512),
        cat: Cat::Codec,
        weight: 3.0,
        render: |r, m, c| {
            let budget = 1000 / u64::from(c.tl.fps);
            m.s("Encoder stall: frame ")
                .u(c.frame)
                .s(" took ")
                .u(budget + between(r, 5, 400))
                .s(" ms (budget ")
                .u(budget)
                .s(" ms)");
        },
    },
    Tpl {
        level: Level::Error,
        at: loc("videoencode.c", "video_encoder_encode", 530),
        cat: Cat::Codec,
        weight: 1.5,
        render: |_, m, c| {
            m.s("NvEncEncodePicture failed: NV_ENC_ERR_ENCODER_BUSY (code 15), frame ")
                .u(c.frame);
        },
    },
    Tpl {
        level: Level::Error,
        at: loc("network.c", "SendUDPPacket", 322),
        cat: Cat::Net,
        weight: 2.0,
        render: |r, m, c| {
            m.s("sendto ")
                .ip(c.tl.client_ip)
                .s(":")
                .u(u64::from(c.tl.client_port))
                .s(" failed with WSA error ");
            m.s(pick(r, &["10065", "10054", "10051", "10055"]))
                .s(", packet ")
                .u(c.frame * 3 + between(r, 0, 2));
        },
    },
    Tpl {
        level: Level::Warning,
        at: loc("network.c", "recvp", 410),
        cat: Cat::Net,
        weight: 2.0,
        render: |_, m, c| {
            m.s("recv from ")
                .ip(c.tl.client_ip)
                .s(":")
                .u(u64::from(c.tl.client_port))
                .s(" returned WSAECONNRESET (10054)");
        },
    },
    Tpl {
        level: Level::Warning,
        at: loc("audiocapture.c", "GetNextPacket", 156),
        cat: Cat::Other,
        weight: 1.5,
        render: |r, m, _| {
            m.s("Audio capture buffer overrun: discarded ")
                .u(between(r, 64, 4800))
                .s(" frames (flags 0x")
                .hex(between(r, 1, 7), 1)
                .s(")");
        },
    },
    Tpl {
        level: Level::Warning,
        at: loc("input.c", "ReplayUserInput", 201),
        cat: Cat::Other,
        weight: 1.0,
        render: |r, m, _| {
            m.s("Unknown keycode 0x")
                .hex(between(r, 0x80, 0xFF), 2)
                .s(" from client, ignoring");
        },
    },
    Tpl {
        level: Level::Warning,
        at: loc("cursor.c", "GetCurrentCursor", 97),
        cat: Cat::Other,
        weight: 0.8,
        render: |r, m, _| {
            m.s("GetCursorInfo failed: 0x")
                .hex(between(r, 0x8000_0000, 0x8007_FFFF), 8)
                .s(" | falling back to arrow cursor");
        },
    },
    Tpl {
        level: Level::Error,
        at: loc("videoencode.c", "create_video_encoder", 145),
        cat: Cat::Other,
        weight: 0.6,
        render: |r, m, c| {
            m.s("Failed to create encoder for ")
                .u(u64::from(c.width))
                .s("x")
                .u(u64::from(c.height));
            m.s(" @ ")
                .u(u64::from(c.tl.bitrate_kbps))
                .s(" kbps: 0x")
                .hex(between(r, 0x8000_0000, 0x8009_FFFF), 8);
        },
    },
    Tpl {
        level: Level::Warning,
        at: loc("clipboard.c", "GetClipboard", 77),
        cat: Cat::Other,
        weight: 0.6,
        render: |r, m, _| {
            m.s("Clipboard payload too large (")
                .u(between(r, 9_000_000, 90_000_000))
                .s(" bytes), max 9000000 bytes");
        },
    },
    Tpl {
        level: Level::Warning,
        at: loc("main.c", "SendVideo", 341),
        cat: Cat::Net,
        weight: 2.5,
        render: |r, m, c| {
            m.s("Dropping frame ")
                .u(c.frame)
                .s(": send queue full (")
                .u(between(r, 64, 512))
                .s(" packets)");
        },
    },
    Tpl {
        level: Level::Warning,
        at: loc("main.c", "SendAudio", 402),
        cat: Cat::Net,
        weight: 1.5,
        render: |r, m, c| {
            m.s("Audio packet ")
                .u(c.frame / 2 + between(r, 0, 9))
                .s(" too late by ")
                .u(between(r, 20, 300))
                .s(" ms, dropped");
        },
    },
    Tpl {
        level: Level::Error,
        at: loc("network.c", "CreateTCPContext", 512),
        cat: Cat::Net,
        weight: 0.4,
        render: |r, m, _| {
            m.s("Failed to bind TCP socket on port ")
                .u(between(r, 32262, 32273))
                .s(": WSAEADDRINUSE (10048)");
        },
    },
    Tpl {
        level: Level::Error,
        at: loc("main.c", "SendVideo", 355),
        cat: Cat::Codec,
        weight: 0.8,
        render: |r, m, c| {
            m.s("Frame ")
                .u(c.frame)
                .s(" is ")
                .u(between(r, 1_100_000, 4_000_000))
                .s(" bytes, larger than the 1048576 byte limit; skipping");
        },
    },
];

/// Warnings and errors of the Linux/macOS client (lost pings and the
/// disconnect are generated separately).
pub(crate) static CLIENT_ISSUES: &[Tpl] = &[
    Tpl {
        level: Level::Warning,
        at: loc("audio.c", "updateAudio", 174),
        cat: Cat::Net,
        weight: 4.0,
        render: |r, m, c| {
            m.s("Audio queue full, skipping ID ")
                .u(c.frame / 2 + between(r, 0, 50))
                .s(" (Queued: ")
                .u(between(r, 4, 12))
                .s(")");
        },
    },
    Tpl {
        level: Level::Warning,
        at: loc("videodecode.c", "video_decoder_decode", 512),
        cat: Cat::Codec,
        weight: 3.0,
        render: |r, m, c| {
            m.s("Dropped frame ")
                .u(c.frame)
                .s(": decoder busy for ")
                .u(between(r, 17, 250))
                .s(" ms");
        },
    },
    Tpl {
        level: Level::Error,
        at: loc("videodecode.c", "create_video_decoder", 233),
        cat: Cat::Other,
        weight: 0.7,
        render: |r, m, c| match c.tl.client_os {
            ClientOs::Linux => {
                m.s(pick(
                    r,
                    &[
                        "/usr/lib/x86_64-linux-gnu/libva.so.2",
                        "/usr/lib/x86_64-linux-gnu/libva-drm.so.2",
                        "/usr/lib/x86_64-linux-gnu/dri/iHD_drv_video.so",
                    ],
                ));
                m.s(": cannot open shared object file: No such file or directory");
            }
            ClientOs::Mac => {
                m.s("VTDecompressionSessionCreate failed: ")
                    .i(pick(r, &[-12911, -12909, -12913]));
            }
        },
    },
    Tpl {
        level: Level::Error,
        at: loc("network.c", "CreateUDPContext", 301),
        cat: Cat::Net,
        weight: 1.0,
        render: |r, m, c| {
            m.s("Failed to connect to ")
                .ip(c.server_ip)
                .s(":")
                .u(between(r, 32262, 32273));
            match c.tl.client_os {
                ClientOs::Linux => m.s(": Connection refused (errno 111)"),
                ClientOs::Mac => m.s(": Connection refused (errno 61)"),
            };
        },
    },
    Tpl {
        level: Level::Warning,
        at: loc("network.c", "recvp", 420),
        cat: Cat::Net,
        weight: 2.0,
        render: |r, m, c| {
            m.s("recvfrom ")
                .ip(c.server_ip)
                .s(":")
                .u(between(r, 32262, 32273))
                .s(" failed: Resource temporarily unavailable (errno ");
            m.s(if c.tl.client_os == ClientOs::Linux {
                "11)"
            } else {
                "35)"
            });
        },
    },
    Tpl {
        level: Level::Warning,
        at: loc("video.c", "updateVideo", 388),
        cat: Cat::Net,
        weight: 2.5,
        render: |r, m, c| {
            let id = c.frame * 3 + between(r, 2, 40);
            m.s("Received out of order packet ")
                .u(id)
                .s(", expected ")
                .u(id - between(r, 1, 2));
        },
    },
    Tpl {
        level: Level::Error,
        at: loc("videodecode.c", "video_decoder_decode", 498),
        cat: Cat::Codec,
        weight: 1.2,
        render: |r, m, c| {
            let e = pick(
                r,
                &[
                    (-11i64, "Resource temporarily unavailable"),
                    (-1094995529, "Invalid data found when processing input"),
                ],
            );
            m.s("avcodec_send_packet failed for frame ")
                .u(c.frame)
                .s(": ")
                .i(e.0)
                .s(" (")
                .s(e.1)
                .s(")");
        },
    },
    Tpl {
        level: Level::Warning,
        at: loc("video.c", "updateVideo", 412),
        cat: Cat::Net,
        weight: 2.5,
        render: |r, m, c| {
            m.s("Lost ")
                .u(between(r, 1, 30))
                .s(" packets of frame ")
                .u(c.frame)
                .s(", requesting iframe");
        },
    },
    Tpl {
        level: Level::Error,
        at: loc("main.c", "main", 155),
        cat: Cat::Other,
        weight: 0.5,
        render: |_, m, c| match c.tl.client_os {
            ClientOs::Linux => {
                m.s("Failed to read /home/")
                    .s(c.account)
                    .s("/.fractal/cert.pem: Permission denied");
            }
            ClientOs::Mac => {
                m.s("Failed to read /Users/")
                    .s(c.account)
                    .s("/Library/Application Support/Fractal/cert.pem: Permission denied");
            }
        },
    },
    Tpl {
        level: Level::Warning,
        at: loc("server_message_handler.c", "handleServerMessage", 52),
        cat: Cat::Other,
        weight: 0.8,
        render: |r, m, _| {
            m.s("Unknown message type 0x")
                .hex(between(r, 0x20, 0xFF), 2)
                .s(" (")
                .u(between(r, 4, 2048))
                .s(" bytes) | ignored");
        },
    },
    Tpl {
        level: Level::Error,
        at: loc("videodecode.c", "create_video_decoder", 260),
        cat: Cat::Other,
        weight: 0.5,
        render: |_, m, c| match c.tl.client_os {
            ClientOs::Linux => {
                m.s("vaCreateSurfaces failed: 0x00000002 (VA_STATUS_ERROR_ALLOCATION_FAILED) for ");
                m.u(u64::from(c.width)).s("x").u(u64::from(c.height));
            }
            ClientOs::Mac => {
                m.s("CVPixelBufferCreate failed: -6662 for ")
                    .u(u64::from(c.width))
                    .s("x")
                    .u(u64::from(c.height));
            }
        },
    },
    Tpl {
        level: Level::Warning,
        at: loc("audio.c", "updateAudio", 190),
        cat: Cat::Other,
        weight: 1.5,
        render: |r, m, _| {
            m.s("Audio device ")
                .u(between(r, 2, 9))
                .s(" underrun, ")
                .u(between(r, 128, 4096))
                .s(" samples of silence inserted");
        },
    },
    Tpl {
        level: Level::Warning,
        at: loc("sdlscreeninfo.c", "get_native_screen_dimensions", 61),
        cat: Cat::Other,
        weight: 0.4,
        render: |r, m, _| {
            m.s("SDL_GetDesktopDisplayMode failed: Invalid display index ")
                .u(between(r, 1, 3));
        },
    },
    Tpl {
        level: Level::Warning,
        at: loc("video.c", "updateVideo", 455),
        cat: Cat::Net,
        weight: 2.0,
        render: |r, m, c| {
            m.s("Late frame ")
                .u(c.frame)
                .s(": ")
                .u(between(r, 30, 900))
                .s(" ms behind schedule");
        },
    },
    Tpl {
        level: Level::Error,
        at: loc("network.c", "SendTCPPacket", 250),
        cat: Cat::Net,
        weight: 0.8,
        render: |r, m, c| {
            m.s("send to ")
                .ip(c.server_ip)
                .s(":")
                .u(between(r, 32262, 32273))
                .s(" failed: Broken pipe (errno 32)");
        },
    },
];

/// Everyday INFO lines of the server.
pub(crate) static SERVER_CHATTER: &[Tpl] = &[
    Tpl {
        level: Level::Info,
        at: loc("videoencode.c", "update_bitrate", 301),
        cat: Cat::Net,
        weight: 2.0,
        render: |r, m, c| {
            let kbps = u64::from(c.tl.bitrate_kbps);
            m.s("Changing bitrate from ")
                .u(kbps)
                .s(" to ")
                .u(kbps * between(r, 50, 110) / 100)
                .s(" kbps");
        },
    },
    Tpl {
        level: Level::Info,
        at: loc("main.c", "SendVideo", 281),
        cat: Cat::Codec,
        weight: 3.0,
        render: |r, m, c| {
            m.s("Sending I-frame ")
                .u(c.frame)
                .s(" (")
                .u(between(r, 60_000, 400_000))
                .s(" bytes)");
        },
    },
    Tpl {
        level: Level::Info,
        at: loc("client_message_handler.c", "handleIFrameRequest", 140),
        cat: Cat::Net,
        weight: 2.0,
        render: |r, m, _| {
            m.s("Client requested I-frame (reason: ")
                .s(pick(
                    r,
                    &["packet loss", "startup", "resize", "decoder reset"],
                ))
                .s(")");
        },
    },
    Tpl {
        level: Level::Info,
        at: loc("clipboard.c", "GetClipboard", 61),
        cat: Cat::Other,
        weight: 1.0,
        render: |r, m, _| {
            m.s("Clipboard changed: ")
                .u(between(r, 1, 200_000))
                .s(" bytes of ")
                .s(pick(r, &["TEXT", "IMAGE", "FILES"]));
        },
    },
    Tpl {
        level: Level::Info,
        at: loc("input.c", "ReplayUserInput", 170),
        cat: Cat::Other,
        weight: 1.0,
        render: |r, m, _| {
            m.s("Keyboard state sync | caps ")
                .u(between(r, 0, 1))
                .s(" | num ")
                .u(between(r, 0, 1))
                .s(" | scroll 0");
        },
    },
    Tpl {
        level: Level::Info,
        at: loc("cursor.c", "GetCurrentCursor", 85),
        cat: Cat::Other,
        weight: 1.5,
        render: |r, m, _| {
            m.s("Cursor changed to ")
                .s(pick(r, &["ARROW", "IBEAM", "HAND", "SIZEWE", "WAIT"]))
                .s(" (32x32)");
        },
    },
    Tpl {
        level: Level::Info,
        at: loc("client_message_handler.c", "handleDimensionsMessage", 88),
        cat: Cat::Other,
        weight: 0.5,
        render: |r, m, c| {
            m.s("Client dimensions ")
                .u(u64::from(c.width))
                .s("x")
                .u(u64::from(c.height))
                .s(", DPI ")
                .u(pick(r, &[96, 120, 144, 192]));
        },
    },
    Tpl {
        level: Level::Info,
        at: loc("main.c", "SendAudio", 380),
        cat: Cat::Other,
        weight: 1.0,
        render: |r, m, _| {
            m.s("Audio: ")
                .u(pick(r, &[44_100, 48_000]))
                .s(" Hz, ")
                .u(between(r, 10, 60))
                .s(" packets queued");
        },
    },
];

/// Everyday INFO lines of the client.
pub(crate) static CLIENT_CHATTER: &[Tpl] = &[
    Tpl {
        level: Level::Info,
        at: loc("video.c", "updateVideo", 350),
        cat: Cat::Codec,
        weight: 3.0,
        render: |r, m, c| {
            m.s("Received I-frame ")
                .u(c.frame)
                .s(" (")
                .u(between(r, 60_000, 400_000))
                .s(" bytes)");
        },
    },
    Tpl {
        level: Level::Info,
        at: loc("main.c", "sendKeyboardState", 400),
        cat: Cat::Other,
        weight: 1.0,
        render: |r, m, _| {
            m.s("Sending keyboard state: caps ")
                .u(between(r, 0, 1))
                .s(" num ")
                .u(between(r, 0, 1));
        },
    },
    Tpl {
        level: Level::Info,
        at: loc("clipboard_synchronizer.c", "updateClipboard", 77),
        cat: Cat::Other,
        weight: 1.0,
        render: |r, m, _| {
            m.s("Clipboard sent: ").u(between(r, 1, 50_000)).s(" bytes");
        },
    },
    Tpl {
        level: Level::Info,
        at: loc("video.c", "updateVideo", 420),
        cat: Cat::Codec,
        weight: 1.0,
        render: |r, m, _| {
            m.s("Video flags: KEYFRAME | RESIZED (0x")
                .hex(between(r, 1, 0x3F), 2)
                .s(")");
        },
    },
    Tpl {
        level: Level::Info,
        at: loc("network.c", "printNetworkStats", 610),
        cat: Cat::Net,
        weight: 2.0,
        render: |r, m, c| {
            m.s("Bitrate ")
                .u(u64::from(c.tl.bitrate_kbps) * between(r, 40, 100) / 100)
                .s(" kbps, ")
                .u(u64::from(c.tl.fps));
            m.s(" fps, ").fx(uniform(r, 0.0, 2.5), 2).s("% loss");
        },
    },
    Tpl {
        level: Level::Info,
        at: loc("peripherals/mouse.c", "updateMouse", 98),
        cat: Cat::Other,
        weight: 1.0,
        render: |r, m, _| {
            m.s("Cursor image ")
                .u(between(r, 1, 40))
                .s(" received (32x32)");
        },
    },
];

/// DEBUG lines of the server.
pub(crate) static SERVER_DEBUG: &[Tpl] = &[
    Tpl {
        level: Level::Debug,
        at: loc("main.c", "ReceiveMessage", 702),
        cat: Cat::Net,
        weight: 2.0,
        render: |r, m, _| {
            m.s("Received packet type ")
                .u(between(r, 1, 12))
                .s(", ")
                .u(between(r, 8, 1400))
                .s(" bytes");
        },
    },
    Tpl {
        level: Level::Debug,
        at: loc("dxgicapture.c", "CaptureScreen", 372),
        cat: Cat::Codec,
        weight: 2.0,
        render: |r, m, c| {
            m.s("Frame ")
                .u(c.frame)
                .s(": capture ")
                .fx(uniform(r, 0.2, 4.0), 3)
                .s(" ms, convert ")
                .fx(uniform(r, 0.1, 2.0), 3)
                .s(" ms");
        },
    },
    Tpl {
        level: Level::Debug,
        at: loc("network.c", "SendUDPPacket", 300),
        cat: Cat::Net,
        weight: 1.0,
        render: |r, m, _| {
            m.s("UDP send queue depth ").u(between(r, 0, 64));
        },
    },
];

/// DEBUG lines of the client.
pub(crate) static CLIENT_DEBUG: &[Tpl] = &[
    Tpl {
        level: Level::Debug,
        at: loc("video.c", "updateVideo", 333),
        cat: Cat::Net,
        weight: 3.0,
        render: |r, m, c| {
            let n = between(r, 1, 40);
            m.s("Received video packet ")
                .u(c.frame * 3)
                .s(" (")
                .u(between(r, 1, n))
                .s("/")
                .u(n)
                .s("), ")
                .u(between(r, 200, 1400))
                .s(" bytes");
        },
    },
    Tpl {
        level: Level::Debug,
        at: loc("video.c", "renderScreen", 512),
        cat: Cat::Codec,
        weight: 2.0,
        render: |r, m, c| {
            m.s("Rendered frame ")
                .u(c.frame)
                .s(" in ")
                .fx(uniform(r, 0.3, 6.0), 3)
                .s(" ms");
        },
    },
    Tpl {
        level: Level::Debug,
        at: loc("audio.c", "updateAudio", 140),
        cat: Cat::Other,
        weight: 1.0,
        render: |r, m, _| {
            m.s("Audio queue depth ").u(between(r, 0, 12));
        },
    },
];

/// A long message: the display modes the capture device offers.
pub(crate) fn display_modes(rng: &mut Rng8, m: &mut Out<'_>) {
    m.s("Display modes:");
    let n = between(rng, 20, 70);
    for _ in 0..n {
        let (w, h) = pick(rng, crate::timeline::RESOLUTIONS);
        m.s(" ")
            .u(u64::from(w))
            .s("x")
            .u(u64::from(h))
            .s("@")
            .u(pick(rng, &[30, 50, 59, 60, 75, 120, 144]));
    }
}

/// A long message: decoder capabilities of the client.
pub(crate) fn decoder_caps(rng: &mut Rng8, m: &mut Out<'_>) {
    m.s("Decoder capabilities: {");
    let n = between(rng, 6, 24);
    for k in 0..n {
        if k > 0 {
            m.s(", ");
        }
        m.s("\"")
            .s(pick(rng, &["h264", "hevc", "vp9", "av1", "mjpeg"]))
            .s("_");
        m.s(pick(
            rng,
            &["main", "high", "main10", "baseline", "profile0"],
        ))
        .s("\": {\"max\": \"");
        let (w, h) = pick(rng, crate::timeline::RESOLUTIONS);
        m.u(u64::from(w))
            .s("x")
            .u(u64::from(h))
            .s("\", \"hw\": ")
            .s(if chance(rng, 0.6) { "true" } else { "false" })
            .s("}");
    }
    m.s("}");
}
