//! A live run's two websockets: the producer's (`ingest`, with the run's
//! creation) and a viewer's (`viewer`).

pub mod ingest;
pub mod upgrade;
pub mod viewer;
