//! The subcommands that are neither the server's parts, the clients nor the
//! benchmarks: serving, importing, tokens, the sample corpus and the parser
//! on files. One module per subcommand.

pub mod import;
pub mod parse;
pub mod sample;
pub mod serve;
pub mod token;
