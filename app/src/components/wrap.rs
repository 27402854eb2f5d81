//! Wrapping long log lines at the viewer's width, between words. Rows of
//! the virtualised list must know their height before they are drawn, so a
//! line's screen lines are computed, not measured: [`breaks`] packs words
//! greedily into the columns that fit beside the gutter (measured once from
//! the list's element, on mount, on resize and when the viewer changes
//! size), and [`row_text`] draws each screen line as its own full-width
//! box, so the browser shows exactly the lines that were counted whatever
//! its fonts measure.

use leptos::prelude::*;

use super::viewer_prefs::ViewerPrefs;
use super::virtual_list::VirtualList;

/// Columns `c` takes in a monospace font at column `x` of its screen line:
/// a tab moves to the next multiple of 8, East Asian wide characters and
/// emoji take two columns, control characters none. Terminal escapes must
/// be taken out first.
fn char_width(c: char, x: usize) -> usize {
    match c {
        '\t' => 8 - x % 8,
        c if c.is_control() => 0,
        c if wide(c) => 2,
        _ => 1,
    }
}

/// Columns `text` takes on one line (see [`char_width`]).
pub fn text_width(text: &str) -> usize {
    text.chars().fold(0, |x, c| x + char_width(c, x))
}

/// Whether a line may break after `c`: only after spaces and tabs, so
/// numbers, paths and names are never split unless one alone is wider than
/// the viewer.
fn is_space(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// Where each screen line of `text` starts (byte offsets; the first is 0)
/// when wrapped at `cols` columns (0: not wrapped). Words (runs of anything
/// but spaces and tabs) are packed greedily; the spaces where a line breaks
/// stay at the end of the line before, as a browser hangs them; a word wider
/// than a whole line starts a line of its own and is cut at its width, never
/// inside a character.
pub fn breaks(text: &str, cols: usize) -> Vec<usize> {
    let mut starts = vec![0];
    if cols == 0 || (text.len() <= cols && !text.contains('\t')) {
        return starts;
    }
    let mut x = 0usize;
    let mut chars = text.char_indices().peekable();
    while let Some(&(at, c)) = chars.peek() {
        if is_space(c) {
            x += char_width(c, x);
            chars.next();
            continue;
        }
        // A word: its width, then whether it moves to the next line.
        let end = text[at..].find(is_space).map_or(text.len(), |i| at + i);
        let word = &text[at..end];
        let w = text_width(word);
        if x > 0 && x + w > cols {
            starts.push(at);
            x = 0;
        }
        if x + w <= cols {
            x += w;
        } else {
            for (i, c) in word.char_indices() {
                let cw = char_width(c, x);
                if x > 0 && x + cw > cols {
                    starts.push(at + i);
                    x = 0;
                }
                x += cw;
            }
        }
        while chars.peek().is_some_and(|&(i, _)| i < end) {
            chars.next();
        }
    }
    starts
}

/// How many screen lines `text` takes when wrapped at `cols` columns.
pub fn wrapped_lines(text: &str, cols: usize) -> u32 {
    u32::try_from(breaks(text, cols).len()).unwrap_or(u32::MAX)
}

/// Characters a terminal or browser draws two columns wide.
fn wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x1F300..=0x1F64F
        | 0x1F900..=0x1F9FF | 0x20000..=0x3FFFD)
}

/// A stretch of a row's text drawn alike: it ends at byte `end` of the text
/// (it starts where the one before ended), in the CSS `class` of its
/// terminal style (empty when plain), and `mark`ed when it matches the
/// search.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Seg {
    pub end: usize,
    pub class: String,
    pub mark: bool,
}

/// Appends to `out` the stretches of `text` (which starts at byte `base` of
/// its row) in `class`, marking its case-insensitive matches of `find`.
pub fn mark_matches(text: &str, find: &str, class: &str, base: usize, out: &mut Vec<Seg>) {
    let mut push = |end: usize, mark: bool| {
        if base + end > out.last().map_or(0, |s| s.end) {
            out.push(Seg {
                end: base + end,
                class: class.to_string(),
                mark,
            });
        }
    };
    let lower = text.to_lowercase();
    let needle = find.to_lowercase();
    // Lower-casing can change byte lengths; nothing is marked then.
    if !needle.is_empty() && lower.len() == text.len() {
        let mut at = 0;
        while let Some(i) = lower[at..].find(&needle) {
            let s = at + i;
            let e = s + needle.len();
            if !text.is_char_boundary(s) || !text.is_char_boundary(e) {
                break;
            }
            push(s, false);
            push(e, true);
            at = e;
        }
    }
    push(text.len(), false);
}

/// The row's text drawn as `segs` say, each screen line (see [`breaks`]) a
/// box of the text's whole width when wrapping at `cols` columns (0: one
/// line). Copied, the boxes read as the line's text.
pub fn row_text(text: &str, segs: &[Seg], cols: usize) -> Vec<AnyView> {
    let draw = |from: usize, to: usize| -> Vec<AnyView> {
        let mut start = 0;
        let mut out = Vec::new();
        for s in segs {
            let (a, b) = (start.max(from), s.end.min(to));
            start = s.end;
            if a >= b {
                continue;
            }
            let piece = text[a..b].to_string();
            out.push(match (s.mark, s.class.is_empty()) {
                (true, _) => view! { <mark class=s.class.clone()>{piece}</mark> }.into_any(),
                (false, false) => view! { <span class=s.class.clone()>{piece}</span> }.into_any(),
                (false, true) => piece.into_any(),
            });
        }
        out
    };
    if cols == 0 {
        return draw(0, text.len());
    }
    let starts = breaks(text, cols);
    let ends = starts.iter().skip(1).copied().chain([text.len()]);
    starts
        .iter()
        .zip(ends)
        .map(|(&a, b)| view! { <span class="wl">{draw(a, b)}</span> }.into_any())
        .collect()
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
    use super::{Seg, breaks, is_space, mark_matches, text_width, wrapped_lines};
    use proptest::prelude::*;

    /// The screen lines of `text` at `cols`, as text.
    fn lines(text: &str, cols: usize) -> Vec<&str> {
        let starts = breaks(text, cols);
        let ends = starts.iter().skip(1).copied().chain([text.len()]);
        starts.iter().zip(ends).map(|(&a, b)| &text[a..b]).collect()
    }

    #[test]
    fn lines_break_between_words() {
        assert_eq!(lines("", 80), [""]);
        assert_eq!(lines("anything", 0), ["anything"]);
        assert_eq!(lines("alpha beta gamma", 10), ["alpha beta ", "gamma"]);
        assert_eq!(lines("alpha beta gamma", 11), ["alpha beta ", "gamma"]);
        // Numbers and paths stay whole; the spaces at a break hang.
        assert_eq!(
            lines("id 1234567890 at /var/log/x.txt", 14),
            ["id 1234567890 ", "at ", "/var/log/x.txt"]
        );
        assert_eq!(lines("a     b", 3), ["a     ", "b"]);
        assert_eq!(lines("abc de", 5), ["abc ", "de"]);
        // A word wider than a line after a space: its own lines, cut.
        assert_eq!(lines(" bcabc日", 6), [" ", "bcabc", "日"]);
        // Leading spaces take room; a line of spaces alone is a line.
        assert_eq!(lines("      word", 6), ["      ", "word"]);
        // A word wider than a line starts its own and is cut at the width.
        assert_eq!(
            lines("ab 0123456789abcdef", 8),
            ["ab ", "01234567", "89abcdef"]
        );
        assert_eq!(lines("0123456789 x", 4), ["0123", "4567", "89 x"]);
        // Tabs move to the next stop of 8 on their screen line.
        assert_eq!(lines("abc\tdefgh", 8), ["abc\t", "defgh"]);
        assert_eq!(wrapped_lines("\t\t", 16), 1);
        // Wide characters take two columns and are never cut in half.
        assert_eq!(lines("日本語のログ", 5), ["日本", "語の", "ログ"]);
        assert_eq!(lines("日本", 1), ["日", "本"]);
        // Controls take none.
        assert_eq!(wrapped_lines("a\u{1b}b", 2), 1);
        assert_eq!(wrapped_lines(&"x ".repeat(400), 100), 8);
    }

    /// Words of letters and wide characters, spaces and tabs between.
    fn text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just(" "),
                Just("\t"),
                Just("a"),
                Just("bc"),
                Just("日"),
                Just("  ")
            ],
            0..60,
        )
        .prop_map(|v| v.concat())
    }

    proptest! {
        /// Against the rules, not a copy of the code: every line fits once
        /// its hanging spaces are dropped; a word is cut only when it is
        /// wider than a line; and the next line's first word would not have
        /// fitted (the packing is greedy).
        #[test]
        fn lines_fit_keep_words_whole_and_are_full(text in text(), cols in 1usize..30) {
            let got = lines(&text, cols);
            prop_assert_eq!(got.concat(), text.clone());
            let mut at = 0;
            for (i, line) in got.iter().enumerate() {
                at += line.len();
                let kept = line.trim_end_matches(is_space);
                prop_assert!(text_width(kept) <= cols.max(2), "{line:?} at {cols}");
                let Some(next) = got.get(i + 1) else { continue };
                prop_assert!(!next.starts_with(is_space));
                // The whole word the next line starts with, which may go on
                // past it when it is cut.
                let word: String = text[at..].chars().take_while(|&c| !is_space(c)).collect();
                if !line.ends_with(is_space) {
                    // Inside a word: only a word wider than a whole line is
                    // cut, so it is the whole line, taken as far as it goes.
                    let first: String = next.chars().take(1).collect();
                    prop_assert!(!line.contains(is_space), "{line:?} | {next:?} at {cols}");
                    prop_assert!(text_width(line) + text_width(&first) > cols, "{line:?} | {next:?} at {cols}");
                } else {
                    prop_assert!(text_width(line) + text_width(&word) > cols || text_width(&word) > cols,
                        "{line:?} | {next:?} at {cols}");
                }
            }
        }

        #[test]
        fn marks_cover_the_text_once(text in "[a-cA-C ]{0,30}", find in "[a-c]{0,2}") {
            let mut segs = Vec::new();
            mark_matches(&text, &find, "x", 0, &mut segs);
            let mut at = 0;
            for s in &segs {
                prop_assert!(s.end > at);
                if s.mark {
                    prop_assert_eq!(text[at..s.end].to_lowercase(), find.to_lowercase());
                }
                at = s.end;
            }
            prop_assert_eq!(at, text.len());
        }
    }

    #[test]
    fn marks_follow_their_base() {
        let mut segs = Vec::new();
        mark_matches("ab", "", "", 0, &mut segs);
        mark_matches("xAby", "ab", "g", 2, &mut segs);
        let ends: Vec<(usize, bool)> = segs.iter().map(|s: &Seg| (s.end, s.mark)).collect();
        assert_eq!(ends, [(2, false), (3, false), (5, true), (6, false)]);
    }
}
