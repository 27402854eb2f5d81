//! Browser entry point: hydrates the page the server rendered.
#![recursion_limit = "512"]

/// Called by the generated JS loader once the wasm module is instantiated.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}

/// The chart benchmark, callable from the page: `benchChart(10000, 20)` (an export of the wasm module)
/// gives the mean milliseconds to draw 10,000 points.
#[wasm_bindgen::prelude::wasm_bindgen(js_name = benchChart)]
pub fn bench_chart(points: usize, reps: usize) -> f64 {
    app::bench_chart(points, reps)
}
