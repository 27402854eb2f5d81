//! A window onto a long list of rows: only the rows in and near the
//! viewport are in the DOM, and a spacer above and one below keep the
//! scroll height of the whole list. The run table, the log viewer and the
//! live log each hold one. Every row is a whole number of lines of one
//! height: one line each unless [`VirtualList::set_lines`] says otherwise
//! (wrapped log lines), so positions are arithmetic, never measured.

use leptos::prelude::*;

/// The rows to render, `start..end`, for a viewport of `viewport` pixels
/// scrolled to `scroll_top`, with `overscan` rows beyond each edge. `end`
/// may pass the list's length.
pub fn window(scroll_top: f64, viewport: f64, row_h: f64, overscan: usize) -> (usize, usize) {
    let start = (scroll_top.max(0.0) / row_h) as usize;
    let shown = (viewport.max(0.0) / row_h).ceil() as usize;
    (start.saturating_sub(overscan), start + shown + overscan)
}

/// [`window`] for rows of varying heights: `ends[i]` is where row `i` ends,
/// in lines from the top (so `ends` rises, and row `i` starts at
/// `ends[i - 1]`, or 0).
pub fn window_of(
    ends: &[u32],
    scroll_top: f64,
    viewport: f64,
    line_h: f64,
    overscan: usize,
) -> (usize, usize) {
    let top = scroll_top.max(0.0) / line_h;
    let bottom = top + viewport.max(0.0) / line_h;
    // The first row ending below the top, the first starting below the bottom.
    let start = ends.partition_point(|&e| f64::from(e) <= top);
    let end = ends.partition_point(|&e| f64::from(e) < bottom) + 1;
    (start.saturating_sub(overscan), end + overscan)
}

/// Lines above row `i`, given where each row ends (`None`: one line each);
/// rows past the end of `ends` take one line.
fn lines_above(ends: Option<&[u32]>, i: usize) -> f64 {
    match ends {
        Some(e) => {
            let known = e.len().min(i);
            let base = known.checked_sub(1).map_or(0, |k| e[k]);
            f64::from(base) + (i - known) as f64
        }
        None => i as f64,
    }
}

/// One virtualised list: its scrolling element, where it is scrolled to,
/// and the window of rows that follows.
#[derive(Clone, Copy)]
pub struct VirtualList {
    row_h: f64,
    /// The scrolling element; give it to the list's container as `node_ref`.
    pub scroller: NodeRef<leptos::html::Div>,
    scroll_top: RwSignal<f64>,
    viewport: RwSignal<f64>,
    /// Where each row ends, in lines, when rows are not one line each.
    ends: RwSignal<Option<Vec<u32>>>,
    window: Memo<(usize, usize)>,
}

impl VirtualList {
    /// A list of rows `row_h` pixels high in a viewport assumed to be
    /// `viewport` pixels until measured, rendering `overscan` rows beyond
    /// each edge.
    pub fn new(row_h: f64, viewport: f64, overscan: usize) -> VirtualList {
        let scroll_top = RwSignal::new(0.0);
        let viewport = RwSignal::new(viewport);
        let ends = RwSignal::new(None::<Vec<u32>>);
        VirtualList {
            row_h,
            scroller: NodeRef::new(),
            scroll_top,
            viewport,
            ends,
            window: Memo::new(move |_| {
                let (top, view) = (scroll_top.get(), viewport.get());
                ends.with(|e| match e {
                    Some(e) => window_of(e, top, view, row_h, overscan),
                    None => window(top, view, row_h, overscan),
                })
            }),
        }
    }

    /// How many lines each row takes (`None`: one each). Rows beyond the
    /// list given take one line.
    pub fn set_lines(&self, lines: Option<&[u32]>) {
        self.ends.set(lines.map(|l| {
            let mut at = 0u32;
            l.iter()
                .map(|n| {
                    at = at.saturating_add((*n).max(1));
                    at
                })
                .collect()
        }));
    }

    /// Where row `i` starts, in pixels (untracked).
    fn start_of(&self, i: usize) -> f64 {
        self.ends.with_untracked(|e| lines_above(e.as_deref(), i)) * self.row_h
    }

    /// Lines above row `i` (tracked), for spacers.
    fn lines_before(&self, i: usize) -> f64 {
        self.ends.with(|e| lines_above(e.as_deref(), i))
    }

    /// Reads the scroll position and the viewport's height from the element:
    /// on scroll, on resize, and after moving it.
    pub fn measure(&self) {
        if let Some(el) = self.scroller.get_untracked() {
            self.scroll_top.set(f64::from(el.scroll_top()));
            let h = f64::from(el.client_height());
            if h > 0.0 {
                self.viewport.set(h);
            }
        }
    }

    /// The rows to render (tracked).
    pub fn window(&self) -> (usize, usize) {
        self.window.get()
    }

    /// The rows of a list of `len` rows in the window (tracked).
    pub fn range(&self, len: usize) -> std::ops::Range<usize> {
        let (a, b) = self.window();
        let b = b.min(len);
        a.min(b)..b
    }

    /// Height of the spacer above the window, as CSS, for `len` rows.
    pub fn pad_before(&self, len: usize) -> String {
        format!(
            "{}px",
            self.lines_before(self.window().0.min(len)) * self.row_h
        )
    }

    /// Height of the spacer below the window, as CSS, for `len` rows.
    pub fn pad_after(&self, len: usize) -> String {
        let end = self.window().1.min(len);
        format!(
            "{}px",
            (self.lines_before(len) - self.lines_before(end)).max(0.0) * self.row_h
        )
    }

    /// Where the element is scrolled to now, in pixels (untracked).
    pub fn top(&self) -> Option<f64> {
        self.scroller
            .get_untracked()
            .map(|el| f64::from(el.scroll_top()))
    }

    /// Scrolls to `px` from the top (the browser clamps it) and measures.
    pub fn scroll_to(&self, px: f64) {
        if let Some(el) = self.scroller.get_untracked() {
            el.set_scroll_top(px.max(0.0).ceil() as i32);
        }
        self.measure();
    }

    /// Scrolls so row `i` sits a third of the way down the viewport (a
    /// followed line, with context above it).
    pub fn show_third(&self, i: usize) {
        let viewport = self.viewport.get_untracked();
        self.scroll_to(self.start_of(i) - viewport / 3.0);
    }

    /// Centres row `i` (a permalinked line), also when its rows have only
    /// just arrived: the window moves to it at once, and the element is
    /// scrolled on the next frame, once the spacers have their heights
    /// (before that the browser would clamp the position to the old ones).
    pub fn center(&self, i: usize) {
        self.scroll_top.set(self.center_px(i));
        let list = *self;
        // Rows' heights may change with the rows that just arrived (wrapped
        // lines): place it again on the next frame, scroll on the one after.
        request_animation_frame(move || {
            let px = list.center_px(i);
            list.scroll_top.set(px);
            request_animation_frame(move || list.scroll_to(px));
        });
    }

    fn center_px(&self, i: usize) -> f64 {
        let viewport = self.viewport.get_untracked();
        let (top, bottom) = (self.start_of(i), self.start_of(i + 1));
        (top - (viewport - (bottom - top)) / 2.0).max(0.0)
    }

    /// Scrolls the least that keeps row `i` in view with a row to spare on
    /// either side (moving through the list by keyboard).
    pub fn keep_in_view(&self, i: usize) {
        self.keep_in_view_below(i, 0.0);
    }

    /// [`Self::keep_in_view`] for a list whose rows start `above` pixels
    /// down the scrolled element, under a sticky header that tall (a
    /// table's head): the row is kept clear of the header and of the
    /// element's bottom edge.
    pub fn keep_in_view_below(&self, i: usize, above: f64) {
        let Some(el) = self.scroller.get_untracked() else {
            return;
        };
        let row = self.row_h;
        let (top, bottom) = (above + self.start_of(i), above + self.start_of(i + 1));
        let view_h = f64::from(el.client_height());
        let cur = f64::from(el.scroll_top());
        if top < cur + above + row {
            self.scroll_to(top - above - row);
        } else if bottom + row > cur + view_h {
            self.scroll_to(bottom + row - view_h);
        }
    }

    /// Scrolls to the end of a list of `len` rows.
    pub fn scroll_to_end(&self, len: usize) {
        let viewport = self.viewport.get_untracked();
        self.scroll_to(self.start_of(len) - viewport);
    }

    /// Scrolls as far down as the element goes (rows and anything after
    /// them).
    pub fn scroll_to_bottom(&self) {
        if let Some(el) = self.scroller.get_untracked() {
            el.set_scroll_top(el.scroll_height());
        }
        self.measure();
    }

    /// Moves the view down by `rows` rows, so the rows in view stay in view
    /// when as many are inserted above them. Nothing moves at the very top.
    pub fn shift(&self, rows: usize) {
        if let Some(top) = self.top().filter(|t| *t > 0.0) {
            self.scroll_to(top + rows as f64 * self.row_h);
        }
    }

    /// Whether the view is within a row of the end.
    pub fn at_end(&self) -> bool {
        self.scroller.get_untracked().is_some_and(|el| {
            f64::from(el.scroll_top()) + f64::from(el.client_height())
                >= f64::from(el.scroll_height()) - self.row_h
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{window, window_of};

    #[test]
    fn rows_of_many_lines_are_windowed_by_where_they_start_and_end() {
        // Rows of 1, 3, 1, 2 lines end at lines 1, 4, 5, 7.
        let ends = [1, 4, 5, 7];
        // Lines 0..2 in view: rows 0 and 1.
        assert_eq!(window_of(&ends, 0.0, 36.0, 18.0, 0), (0, 2));
        // Lines 4..5 in view (row 2 only).
        assert_eq!(window_of(&ends, 72.0, 18.0, 18.0, 0), (2, 3));
        // Lines 2..6: rows 1 to 3; overscan is in rows.
        assert_eq!(window_of(&ends, 36.0, 72.0, 18.0, 1), (0, 5));
        // One line each is the fixed-height window (scrolled to whole rows;
        // between them this one also counts the partly shown last row).
        let ones: Vec<u32> = (1..=100).collect();
        for top in [0.0, 18.0, 504.0] {
            assert_eq!(
                window_of(&ones, top, 360.0, 18.0, 3),
                window(top, 360.0, 18.0, 3),
                "{top}"
            );
        }
    }

    #[test]
    fn the_window_covers_the_viewport_and_the_overscan() {
        // 360 px of 18 px rows at the top: rows 0..20, plus 20 below.
        assert_eq!(window(0.0, 360.0, 18.0, 20), (0, 40));
        // Scrolled to row 100: 20 above, the 20 in view, 20 below.
        assert_eq!(window(1800.0, 360.0, 18.0, 20), (80, 140));
        // A partly shown row counts.
        assert_eq!(window(0.0, 100.0, 34.0, 0), (0, 3));
        // Nonsense positions (overscroll bounce) are clamped.
        assert_eq!(window(-50.0, -1.0, 18.0, 2), (0, 2));
    }
}
