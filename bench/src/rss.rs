//! Peak resident memory, read from `/proc/self/status` (Linux).

/// A field of `/proc/self/status` in bytes (`VmHWM`, `VmRSS`), or 0 where there is none.
pub fn status_bytes(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| {
            let rest = line.strip_prefix(field)?.strip_prefix(':')?;
            let kb: u64 = rest.trim().trim_end_matches("kB").trim().parse().ok()?;
            Some(kb * 1024)
        })
        .unwrap_or(0)
}

/// Starts a peak measurement: resets the high-water mark to the current RSS where the kernel
/// allows it, and returns the current RSS.
pub fn start() -> u64 {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    status_bytes("VmRSS")
}

/// The peak RSS since [`start`] returned `before`, less `before`.
pub fn peak_since(before: u64) -> u64 {
    status_bytes("VmHWM").saturating_sub(before)
}
