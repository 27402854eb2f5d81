//! One module per subcommand.

pub mod bench;
pub mod bench_live;
pub mod import;
pub mod parse;
pub mod replay;
pub mod run;
pub mod sample;
pub mod serve;
pub mod tail;
pub mod terminal;
pub mod token;
