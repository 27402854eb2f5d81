//! The protocol builds that appear in the inventory, oldest first, and what
//! each one changed in the log format.

use crate::layout::Layout;

/// One released build of the streaming protocol.
#[derive(Debug)]
pub(crate) struct Build {
    /// The 16-character build id shown in the inventory.
    pub id: &'static str,
    /// Line prefix format.
    pub layout: Layout,
    /// Old builds print an extra blank line after each metric line.
    pub blank_after_metric: bool,
    /// Source line numbers moved by this much relative to the first build.
    pub line_shift: u32,
    /// Whether `Longest Encode …` lines are printed before the averages.
    pub longest_first: bool,
    /// When the build was released, as a fraction of the inventory's span
    /// (0 = oldest entry, 1 = newest).
    pub released: f64,
}

/// All builds, oldest first.
pub(crate) const BUILDS: [Build; 8] = [
    Build {
        id: "7F3C2A91D04E5B68",
        layout: Layout::Oldest,
        blank_after_metric: true,
        line_shift: 0,
        longest_first: false,
        released: -1.0,
    },
    Build {
        id: "1A32D5BE58D317FF",
        layout: Layout::Oldest,
        blank_after_metric: true,
        line_shift: 2,
        longest_first: false,
        released: 0.05,
    },
    Build {
        id: "a41f9c2-0C7D3E55",
        layout: Layout::Middle,
        blank_after_metric: true,
        line_shift: 5,
        longest_first: true,
        released: 0.2,
    },
    Build {
        id: "5C0E9B7A2D4F8813",
        layout: Layout::Middle,
        blank_after_metric: false,
        line_shift: 5,
        longest_first: true,
        released: 0.35,
    },
    Build {
        id: "e2cd777-1B1D1F08",
        layout: Layout::Middle,
        blank_after_metric: false,
        line_shift: 9,
        longest_first: false,
        released: 0.5,
    },
    Build {
        id: "9B6E04C3A7F1D250",
        layout: Layout::Newest,
        blank_after_metric: false,
        line_shift: 14,
        longest_first: false,
        released: 0.62,
    },
    Build {
        id: "3f8d1b0-4E92A6C1",
        layout: Layout::Newest,
        blank_after_metric: false,
        line_shift: 14,
        longest_first: false,
        released: 0.78,
    },
    Build {
        id: "d07c5e9-2A6B8F34",
        layout: Layout::Newest,
        blank_after_metric: false,
        line_shift: 21,
        longest_first: true,
        released: 0.9,
    },
];

/// Index of the newest build released at inventory position `f` (0..=1).
pub(crate) fn newest_at(f: f64) -> usize {
    BUILDS.iter().rposition(|b| b.released <= f).unwrap_or(0)
}

/// Index of the newest build with the given layout.
pub(crate) fn newest_with(layout: Layout) -> usize {
    BUILDS
        .iter()
        .rposition(|b| b.layout == layout)
        .unwrap_or(BUILDS.len() - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_16_chars_and_ordered() {
        for b in &BUILDS {
            assert_eq!(b.id.len(), 16, "{}", b.id);
        }
        assert!(BUILDS.windows(2).all(|w| w[0].released < w[1].released));
        assert_eq!(newest_at(0.0), 0);
        assert_eq!(newest_at(1.0), 7);
        assert_eq!(newest_at(0.5), 4);
    }
}
