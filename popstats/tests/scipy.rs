//! popstats against SciPy on the same numbers: generated samples of every
//! awkward shape (one value, all tied, heavy ties, shifted, huge and tiny
//! magnitudes, infinities, NaNs, 20,000 values) go to
//! `scripts/scipy_reference.py`, and U, the p-value, the median and the MAD
//! must agree. The Python is `LOGDECK_PYTHON` (set by the test command's
//! setup), else the project's `target/pyenv`, else `python3`; it must have
//! SciPy.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use popstats::testing::Rng;
use popstats::{Spread, rank_test};

/// Samples of one shape, sizes `n` and `m`.
fn sample(rng: &mut Rng, shape: usize, n: usize, shift: f64) -> Vec<f64> {
    (0..n)
        .map(|_| match shape {
            0 => rng.normal() + shift,
            1 => (rng.below(4) as f64) + shift.round(),
            2 => 7.0,
            3 => (rng.normal() + shift) * 1e300,
            4 => (rng.normal() + shift) * 1e-300,
            5 => match rng.below(10) {
                0 => f64::INFINITY,
                1 => f64::NEG_INFINITY,
                2 => f64::NAN,
                _ => rng.normal() + shift,
            },
            // Latency-like: a long right tail.
            _ => (rng.normal() + shift).exp() * 40.0,
        })
        .collect()
}

fn cases() -> Vec<(Vec<f64>, Vec<f64>)> {
    let mut rng = Rng(0x05EE_D0F5_C1F1);
    let sizes = [1, 2, 3, 5, 8, 9, 31, 200, 1000];
    let mut out = Vec::new();
    for shape in 0..7 {
        for &n in &sizes {
            for &m in &[1usize, 4, 9, 57, 1000] {
                let shift = [0.0, 0.3, 2.0][rng.below(3) as usize];
                let mut x = sample(&mut rng, shape, n, shift);
                let mut y = sample(&mut rng, shape, m, 0.0);
                // Each side needs a value to compare, and x a finite one
                // to spread around.
                if !x.iter().any(|v| v.is_finite()) {
                    x.push(0.5);
                }
                if y.iter().all(|v| v.is_nan()) {
                    y.push(0.25);
                }
                out.push((x, y));
            }
        }
    }
    // Large, with a small shift: a p-value far from both ends.
    out.push((
        sample(&mut rng, 0, 20_000, 0.02),
        sample(&mut rng, 0, 20_000, 0.0),
    ));
    // Large and far apart: a p-value in the far tail.
    out.push((
        sample(&mut rng, 6, 20_000, 0.5),
        sample(&mut rng, 6, 15_000, 0.0),
    ));
    out
}

fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("LOGDECK_PYTHON") {
        return p.into();
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/pyenv/bin/python");
    if venv.exists() {
        venv
    } else {
        "python3".into()
    }
}

/// Numbers as the script reads them (NaNs left out, as popstats does).
fn line(v: &[f64]) -> String {
    v.iter()
        .filter(|x| !x.is_nan())
        .map(|x| format!("{x:?}"))
        .collect::<Vec<_>>()
        .join(",")
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    a == b || (a - b).abs() <= rel * a.abs().max(b.abs()) || (a - b).abs() < 1e-300
}

/// Whether `python` can import SciPy; reports it missing (see `testenv`)
/// when it cannot.
fn scipy_is_there(python: &std::path::Path) -> bool {
    let why = match Command::new(python)
        .args(["-c", "import scipy"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
    {
        Ok(out) if out.status.success() => return true,
        Ok(out) => String::from_utf8_lossy(&out.stderr)
            .lines()
            .last()
            .unwrap_or("import failed")
            .to_string(),
        Err(e) => format!("cannot start {}: {e}", python.display()),
    };
    testenv::missing(
        "SciPy",
        why,
        "`. scripts/setup.sh && setup_scipy`, or set LOGDECK_PYTHON",
    );
    false
}

#[test]
fn rank_test_median_and_mad_match_scipy() {
    let python = python();
    if !scipy_is_there(&python) {
        return;
    }
    let cases = cases();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/scipy_reference.py");
    let mut child = Command::new(&python)
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect(
            "cannot start Python for the SciPy reference (run ./test.sh, or set LOGDECK_PYTHON)",
        );
    let mut input = String::new();
    for (x, y) in &cases {
        input.push_str(&format!("{};{}\n", line(x), line(y)));
    }
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "the SciPy reference failed (is SciPy installed? run ./test.sh, or `. scripts/setup.sh && setup_scipy`):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), cases.len());
    let mut tail_checked = false;
    for (i, ((x, y), want)) in cases.iter().zip(lines).enumerate() {
        let f: Vec<f64> = want.split(' ').map(|v| v.parse().unwrap()).collect();
        let (u, p, med, mad) = (f[0], f[1], f[2], f[3]);
        let t = rank_test(x, y).unwrap();
        let s = Spread::of(x).unwrap();
        let what = format!(
            "case {i}: n={} m={} ours {t:?} {s:?}; SciPy u={u} p={p} median={med} mad={mad}",
            t.n_x, t.n_y
        );
        assert!(close(t.u_x, u, 1e-12), "U differs, {what}");
        assert!(close(t.p, p, 1e-9), "p differs, {what}");
        assert!(close(s.median, med, 1e-12), "median differs, {what}");
        assert!(close(s.mad, mad, 1e-12), "MAD differs, {what}");
        tail_checked |= p < 1e-100;
    }
    assert!(tail_checked, "no case reached the far tail");
}
