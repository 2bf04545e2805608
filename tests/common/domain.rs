//! Agents for the transfer rules.

use switchboard::domain::AgentRef;

/// Agent `n` (1 to 4): id `a-n` and a name to read in messages.
pub fn agent(n: u8) -> AgentRef {
    let names = ["", "Mia Chen", "Raj Patel", "Ana Silva", "Tom Berg"];
    AgentRef::new(format!("a-{n}"), names[n as usize])
}
