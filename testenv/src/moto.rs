//! The S3 server the tests talk to: moto's, started on a free port and
//! stopped when dropped, and objects written into it by boto3 (the AWS
//! SDK the streaming service's own uploads use), not by logdeck's client.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// S3 options (in a `--store` or `--source` query) that reach moto.
pub const S3_OPTIONS: &str =
    "region=us-east-1&access_key_id=test&secret_access_key=test&allow_http=true";

/// A moto S3 server on a free port, stopped when dropped.
pub struct Moto {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The directory of the workspace's `target/`.
fn target() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target")
}

fn moto_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("LOGDECK_MOTO_SERVER") {
        return p.into();
    }
    let local = target().join("pyenv/bin/moto_server");
    if local.exists() {
        local
    } else {
        "moto_server".into()
    }
}

/// The Python with moto and boto3 (`LOGDECK_PYTHON`, else the test
/// command's `target/pyenv`, else `python3`).
pub fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("LOGDECK_PYTHON") {
        return p.into();
    }
    let venv = target().join("pyenv/bin/python");
    if venv.exists() {
        venv
    } else {
        "python3".into()
    }
}

impl Moto {
    /// A moto server on a free port, or `None` when moto is not installed
    /// (the test skips, or fails under the test command: see [`crate::missing`]).
    #[track_caller]
    pub fn start() -> Option<Moto> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("no free port");
        let bin = moto_binary();
        let child = match Command::new(&bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        {
            Ok(child) => child,
            Err(e) => {
                crate::missing(
                    "the S3 server (moto)",
                    format!("cannot start {}: {e}", bin.display()),
                    "pip install 'moto[server]' or set LOGDECK_MOTO_SERVER",
                );
                return None;
            }
        };
        let moto = Moto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "moto_server did not start on port {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(moto)
    }

    /// Runs `script` with boto3's S3 client bound to `s3`; panics with
    /// Python's error if it fails.
    pub fn boto3(&self, script: &str) {
        let prelude = format!(
            "import boto3\ns3 = boto3.client('s3', endpoint_url='{}', region_name='us-east-1', \
             aws_access_key_id='test', aws_secret_access_key='test')\n",
            self.endpoint
        );
        let mut child = Command::new(python())
            .arg("-")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot start Python for boto3 (run ./test.sh, or set LOGDECK_PYTHON)");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{prelude}{script}").as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "boto3 failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Creates `bucket`.
    pub fn create_bucket(&self, bucket: &str) {
        self.boto3(&format!("s3.create_bucket(Bucket={bucket:?})\n"));
    }

    /// Writes each `(key, body)` into `bucket` with boto3, in order.
    pub fn put(&self, bucket: &str, objects: &[(&str, &[u8])]) {
        let mut script = String::new();
        for (key, body) in objects {
            let hex: String = body.iter().map(|b| format!("{b:02x}")).collect();
            script.push_str(&format!(
                "s3.put_object(Bucket={bucket:?}, Key={key:?}, Body=bytes.fromhex('{hex}'))\n"
            ));
        }
        self.boto3(&script);
    }
}
