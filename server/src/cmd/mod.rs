//! One module per subcommand.

pub mod bench;
pub mod import;
pub mod parse;
pub mod sample;
pub mod serve;
