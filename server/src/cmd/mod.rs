//! One module per subcommand.

pub mod parse;
pub mod sample;
pub mod serve;
