//! A conversation's rare parts ([`Rare`]): one box, made by the first
//! write, that the conversation reads as its own fields.

use super::{Conversation, SentPlan};

/// The parts of a conversation that only a few have: what this console
/// did to it (an assign's agent, the last plan, a heal), the journal's
/// doubts, and Kore's details. Kept in one box that is made by the first
/// write (tens of thousands of conversations are held, and most never
/// have any of these); a [`Conversation`] reads and writes them as its own
/// fields (`Deref`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rare {
    /// The agent a successful assign callback named (offered first for `e`).
    pub assigned_agent: Option<String>,
    /// The journal could not prove this conversation's history (a gap, a
    /// disorder, a damaged line): why. Its unsent requests are held.
    pub journal_hold: Option<String>,
    /// Agents this console's delivered events removed, and when.
    pub departed: Vec<(String, i64)>,
    /// The latest action this console sent for it, and its requests: what
    /// is offered again when Kore refuses it on a stale roster.
    pub last_plan: Option<Box<SentPlan>>,
    /// Kore refused an event on a stale roster: its details are being
    /// fetched to rebuild the roster (the refused request's id).
    pub healing: Option<String>,
    /// Kore's details of it (Get Conversation Details), cleaned, with when
    /// they came; None until the first answer.
    pub details: Option<crate::app::details::KoreDetails>,
    /// Why the latest details request failed (cleared by a later answer).
    pub details_error: Option<String>,
}

/// What a conversation without a box of rare parts reads.
static NO_RARE: Rare = Rare {
    assigned_agent: None,
    journal_hold: None,
    departed: Vec::new(),
    last_plan: None,
    healing: None,
    details: None,
    details_error: None,
};

/// A conversation's [`Rare`] parts: none until the first write. Compares
/// by what it holds (no box is the same as an empty one).
#[derive(Debug, Clone, Default)]
pub(super) struct RareBox(Option<Box<Rare>>);

impl PartialEq for RareBox {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl std::ops::Deref for RareBox {
    type Target = Rare;
    fn deref(&self) -> &Rare {
        self.0.as_deref().unwrap_or(&NO_RARE)
    }
}

impl std::ops::DerefMut for RareBox {
    fn deref_mut(&mut self) -> &mut Rare {
        self.0.get_or_insert_with(Box::default)
    }
}

impl std::ops::Deref for Conversation {
    type Target = Rare;
    fn deref(&self) -> &Rare {
        &self.rare
    }
}

impl std::ops::DerefMut for Conversation {
    fn deref_mut(&mut self) -> &mut Rare {
        &mut self.rare
    }
}
