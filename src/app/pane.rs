//! The panes of the lists (which one has the keyboard, the order Tab
//! cycles them in). Apart from `state.rs` so that the registry's entries
//! can name the panes they work in.

/// Which pane has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Conversations,
    Roster,
    Agents,
    /// Shares the agents' place on screen: one of the two shows at a time.
    Queues,
    Log,
}

impl Pane {
    pub const ORDER: [Pane; 5] = [
        Pane::Conversations,
        Pane::Roster,
        Pane::Agents,
        Pane::Queues,
        Pane::Log,
    ];

    /// The panes Tab cycles through: the agents or the queues, whichever
    /// shows.
    fn cycle(queues_shown: bool) -> [Pane; 4] {
        let middle = if queues_shown {
            Pane::Queues
        } else {
            Pane::Agents
        };
        [Pane::Conversations, Pane::Roster, middle, Pane::Log]
    }

    pub fn next(self, queues_shown: bool) -> Pane {
        let order = Self::cycle(queues_shown);
        let i = order.iter().position(|p| *p == self).unwrap_or(2);
        order[(i + 1) % order.len()]
    }

    pub fn prev(self, queues_shown: bool) -> Pane {
        let order = Self::cycle(queues_shown);
        let i = order.iter().position(|p| *p == self).unwrap_or(2);
        order[(i + order.len() - 1) % order.len()]
    }

    pub fn title(self) -> &'static str {
        match self {
            Pane::Conversations => "Conversations",
            Pane::Roster => "Roster",
            Pane::Agents => "Agents",
            Pane::Queues => "Queues",
            Pane::Log => "Log",
        }
    }
}
