//! A window onto a long list of fixed-height rows: only the rows in and near
//! the viewport are in the DOM, and a spacer above and one below keep the
//! scroll height of the whole list. The run table, the log viewer and the
//! live log each hold one; positions are arithmetic because every row has
//! the same height.

use leptos::prelude::*;

/// The rows to render, `start..end`, for a viewport of `viewport` pixels
/// scrolled to `scroll_top`, with `overscan` rows beyond each edge. `end`
/// may pass the list's length.
pub fn window(scroll_top: f64, viewport: f64, row_h: f64, overscan: usize) -> (usize, usize) {
    let start = (scroll_top.max(0.0) / row_h) as usize;
    let shown = (viewport.max(0.0) / row_h).ceil() as usize;
    (start.saturating_sub(overscan), start + shown + overscan)
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
    window: Memo<(usize, usize)>,
}

impl VirtualList {
    /// A list of rows `row_h` pixels high in a viewport assumed to be
    /// `viewport` pixels until measured, rendering `overscan` rows beyond
    /// each edge.
    pub fn new(row_h: f64, viewport: f64, overscan: usize) -> VirtualList {
        let scroll_top = RwSignal::new(0.0);
        let viewport = RwSignal::new(viewport);
        VirtualList {
            row_h,
            scroller: NodeRef::new(),
            scroll_top,
            viewport,
            window: Memo::new(move |_| window(scroll_top.get(), viewport.get(), row_h, overscan)),
        }
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
        format!("{}px", self.window().0.min(len) as f64 * self.row_h)
    }

    /// Height of the spacer below the window, as CSS, for `len` rows.
    pub fn pad_after(&self, len: usize) -> String {
        format!(
            "{}px",
            len.saturating_sub(self.window().1) as f64 * self.row_h
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
    /// permalinked line, with context above it).
    pub fn show_third(&self, i: usize) {
        let viewport = self.viewport.get_untracked();
        self.scroll_to(i as f64 * self.row_h - viewport / 3.0);
    }

    /// Scrolls the least that keeps row `i` in view with a row to spare on
    /// either side (moving through the list by keyboard).
    pub fn keep_in_view(&self, i: usize) {
        let Some(el) = self.scroller.get_untracked() else {
            return;
        };
        let (row, top) = (self.row_h, i as f64 * self.row_h);
        let view_h = f64::from(el.client_height());
        let cur = f64::from(el.scroll_top());
        if top < cur + row {
            self.scroll_to(top - row);
        } else if top + 2.0 * row > cur + view_h {
            self.scroll_to(top + 2.0 * row - view_h);
        }
    }

    /// Scrolls to the end of a list of `len` rows.
    pub fn scroll_to_end(&self, len: usize) {
        let viewport = self.viewport.get_untracked();
        self.scroll_to(len as f64 * self.row_h - viewport);
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
    use super::window;

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
