//! A conversation's timeline: the events and assigns the console sent for
//! it, and its notes, oldest first.

use super::{AssignState, Delivery};

/// One line of a conversation's timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimelineItem {
    Event {
        req_id: String,
        at_ms: i64,
        /// "WARM entry Raj Patel"
        text: String,
        event: crate::domain::Event,
        delivery: Delivery,
    },
    Assign {
        req_id: String,
        at_ms: i64,
        /// "assign → Raj Patel"
        text: String,
        state: AssignState,
    },
    Note {
        at_ms: i64,
        text: String,
    },
}

impl TimelineItem {
    pub fn req_id(&self) -> Option<&str> {
        match self {
            TimelineItem::Event { req_id, .. } | TimelineItem::Assign { req_id, .. } => {
                Some(req_id)
            }
            TimelineItem::Note { .. } => None,
        }
    }
}

/// A conversation's timeline. It grows by half of itself (one at least)
/// where a list doubles: most conversations keep a few items, and tens of
/// thousands are held.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timeline(Vec<TimelineItem>);

impl Timeline {
    pub fn push(&mut self, item: TimelineItem) {
        if self.0.len() == self.0.capacity() {
            self.0.reserve_exact((self.0.len() / 2).max(1));
        }
        self.0.push(item);
    }
}

impl From<Vec<TimelineItem>> for Timeline {
    fn from(items: Vec<TimelineItem>) -> Self {
        Timeline(items)
    }
}

impl std::ops::Deref for Timeline {
    type Target = Vec<TimelineItem>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for Timeline {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl<'a> IntoIterator for &'a Timeline {
    type Item = &'a TimelineItem;
    type IntoIter = std::slice::Iter<'a, TimelineItem>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<'a> IntoIterator for &'a mut Timeline {
    type Item = &'a mut TimelineItem;
    type IntoIter = std::slice::IterMut<'a, TimelineItem>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter_mut()
    }
}
