//! The process's limit on open files, which bounds its sockets.

/// Raises the soft limit on open files to the hard limit, where the OS
/// allows; returns the soft limit in force afterwards.
pub fn raise_open_files() -> std::io::Result<u64> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct given.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    if lim.rlim_cur < lim.rlim_max {
        let raised = libc::rlimit {
            rlim_cur: lim.rlim_max,
            rlim_max: lim.rlim_max,
        };
        // SAFETY: as above.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            return Ok(raised.rlim_cur);
        }
    }
    Ok(lim.rlim_cur)
}

/// Connections that fit in `open_files`, keeping room for the catalog,
/// stores, logs being read and the listener.
pub fn connections_that_fit(open_files: u64) -> usize {
    const RESERVE: u64 = 512;
    open_files.saturating_sub(RESERVE).max(16) as usize
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_limit_is_raised_or_kept_and_room_is_left() {
        let n = super::raise_open_files().unwrap();
        assert!(n >= 256, "{n}");
        assert_eq!(super::connections_that_fit(1024), 512);
        assert_eq!(super::connections_that_fit(100), 16);
    }
}
