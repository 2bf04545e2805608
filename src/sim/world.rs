//! The simulated contact centre: a directory of agents and queues, the
//! conversations, and the traffic generator that moves them along.
//!
//! Everything here is plain data. [`step`] is the generator: a function of the
//! world, a seeded random number generator and the current time, so a seed
//! gives the same history every time and tests need no timers.
//!
//! Queues have a life of their own: a customer arrives into a queue and
//! waits there; after [`ROUTE_AFTER_MS`] an available member of that queue
//! with room may answer (never an agent of another queue); a customer whose
//! wait in the queue passes its patience leaves, and the queue counts a
//! drop-off. Assigning a conversation to a queue moves it there and starts
//! its wait in that queue again. queue-size is answered from these figures
//! ([`World::queue_size`]), in milliseconds.
//!
//! One file per job: what the world is made of (`model`), the built-in
//! directory, arrivals, the moves every path shares, the API's requests,
//! the queues' routing, queue-size's figures, the wire records, and the
//! traffic generator.

mod arrivals;
mod directory;
mod model;
mod moves;
mod queue_size;
mod records;
mod requests;
mod routing;
mod traffic;

pub use arrivals::QUICK_ROUTE_MS;
pub use directory::TROUBLE_QUEUE;
pub use model::{
    Channel, ConvStatus, PATIENCE_SPREAD_MS, Presence, QueueStay, QueueTally, ROUTE_AFTER_MS,
    SimAgent, SimConversation, SimParticipant, SimQueue, SimSkill, World, WorldIds,
};
pub use records::iso;
pub use routing::OVERDUE_AFTER_MS;
pub use traffic::{KEEP_ENDED, MAX_LIVE, Step, Traffic, step};

#[cfg(test)]
mod tests;
