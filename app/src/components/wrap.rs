//! Wrapping long log lines at the viewer's width. Rows of the virtualised
//! list must know their height before they are drawn, so a line's height
//! is computed, not measured: its text's width in columns of the monospace
//! font (see [`text_width`]) over the columns that fit beside the gutter,
//! which is measured once from the list's element (on mount, on resize and
//! when the viewer changes size).

use leptos::prelude::*;

use super::viewer_prefs::ViewerPrefs;
use super::virtual_list::VirtualList;

/// Columns `text` takes in a monospace font: a tab moves to the next
/// multiple of 8, East Asian wide characters and emoji take two columns,
/// control characters none. Terminal escapes must be taken out first.
pub fn text_width(text: &str) -> usize {
    let mut width = 0usize;
    for c in text.chars() {
        width += match c {
            '\t' => 8 - width % 8,
            c if c.is_control() => 0,
            c if wide(c) => 2,
            _ => 1,
        };
    }
    width
}

/// Screen lines a text `width` columns wide takes at `cols` columns.
pub fn lines_for(width: usize, cols: usize) -> u32 {
    u32::try_from(width.div_ceil(cols.max(1)).max(1)).unwrap_or(u32::MAX)
}

/// How many screen lines `text` takes when wrapped at `cols` columns.
pub fn wrapped_lines(text: &str, cols: usize) -> u32 {
    lines_for(text_width(text), cols)
}

/// Characters a terminal or browser draws two columns wide.
fn wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x1F300..=0x1F64F
        | 0x1F900..=0x1F9FF | 0x20000..=0x3FFFD)
}

/// Whether a viewer wraps (the reader's choice, shared by every viewer:
/// see [`ViewerPrefs`]) and at how many columns.
#[derive(Clone, Copy)]
pub struct Wrap {
    /// Wrapping is on; the viewer's *Wrap* button toggles it.
    pub on: RwSignal<bool>,
    /// Columns of text beside the line-number gutter; 0 until measured.
    fit: RwSignal<usize>,
    list: VirtualList,
}

impl Wrap {
    /// Wrapping for the lines of `list`, measured whenever its element
    /// appears and whenever the window is resized (for as long as the
    /// calling component lives).
    pub fn new(list: VirtualList) -> Wrap {
        let wrap = Wrap {
            on: ViewerPrefs::get().wrap,
            fit: RwSignal::new(0),
            list,
        };
        Effect::new(move |_| {
            if list.scroller.get().is_some() {
                wrap.measure();
            }
        });
        let resize = window_event_listener(leptos::ev::resize, move |_| wrap.measure());
        on_cleanup(move || resize.remove());
        wrap
    }

    /// Measures the columns that fit (and the list's viewport); call it
    /// after the viewer changes size.
    pub fn measure(self) {
        /// Width of the line-number gutter in pixels (as the stylesheet's `.ln`).
        #[cfg(feature = "hydrate")]
        const GUTTER_PX: f64 = 64.0;
        #[cfg(feature = "hydrate")]
        if let Some(el) = self.list.scroller.get_untracked()
            && let Ok(probe) = document().create_element("span")
        {
            probe.set_class_name("mono");
            probe.set_text_content(Some(&"0".repeat(100)));
            if el.append_child(&probe).is_ok() {
                let char_w = probe.get_bounding_client_rect().width() / 100.0;
                let _ = el.remove_child(&probe);
                let avail = f64::from(el.client_width()) - GUTTER_PX;
                if char_w > 0.0 {
                    // One column spare: a line may wrap a little early, never late.
                    self.fit
                        .set(((avail / char_w).floor() as usize).saturating_sub(1).max(8));
                }
            }
        }
        self.list.measure();
    }

    /// The columns lines wrap at, less `beside` columns drawn before the
    /// text (a time); 0 when not wrapping or not yet measured (tracked).
    pub fn cols(self, beside: usize) -> usize {
        match (self.on.get(), self.fit.get()) {
            (true, c) if c > 0 => c.saturating_sub(beside).max(8),
            _ => 0,
        }
    }

    /// The *Wrap* toggle for the viewer's bar.
    pub fn button(self) -> impl IntoView {
        view! {
            <button class="toggle" data-testid="wrap" aria-pressed=move || self.on.get().to_string()
                title="Wrap long lines" on:click=move |_| self.on.update(|w| *w = !*w)>"Wrap"</button>
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{lines_for, text_width, wrapped_lines};

    #[test]
    fn wrapped_lines_count_columns_as_a_monospace_font_draws_them() {
        assert_eq!(wrapped_lines("", 80), 1);
        assert_eq!(wrapped_lines(&"x".repeat(80), 80), 1);
        assert_eq!(wrapped_lines(&"x".repeat(81), 80), 2);
        assert_eq!(wrapped_lines(&"x".repeat(400), 100), 4);
        // A tab moves to the next stop of 8.
        assert_eq!(wrapped_lines("abc\tdefgh", 8), 2);
        assert_eq!(wrapped_lines("\t\t", 16), 1);
        // Wide characters take two columns; controls none.
        assert_eq!(wrapped_lines("日本語のログ", 6), 2);
        assert_eq!(wrapped_lines("a\u{1b}b", 2), 1);
        assert_eq!(wrapped_lines("anything", 0), 8);
    }

    #[test]
    fn a_width_known_once_gives_the_lines_at_any_width() {
        let text = "päivää\tworld 日本";
        for cols in [1, 3, 8, 13, 80] {
            assert_eq!(lines_for(text_width(text), cols), wrapped_lines(text, cols));
        }
        assert_eq!(lines_for(usize::MAX, 1), u32::MAX);
    }
}
