//! The sorts of the conversation list and of the queue pane.

/// The column the queue pane is sorted by. Figures sort the largest first
/// (the queue in most trouble on top); the name and the service level sort
/// from the lowest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QueueSort {
    Name,
    Waiting,
    Engaged,
    #[default]
    Longest,
    Average,
    Asa,
    Drops,
    Free,
    Service,
}

impl QueueSort {
    pub const ALL: [QueueSort; 9] = [
        QueueSort::Name,
        QueueSort::Waiting,
        QueueSort::Engaged,
        QueueSort::Longest,
        QueueSort::Average,
        QueueSort::Asa,
        QueueSort::Drops,
        QueueSort::Free,
        QueueSort::Service,
    ];

    pub fn next(self) -> QueueSort {
        let i = Self::ALL.iter().position(|s| *s == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()]
    }

    /// Its word for `:sort`.
    pub fn label(self) -> &'static str {
        match self {
            QueueSort::Name => "name",
            QueueSort::Waiting => "waiting",
            QueueSort::Engaged => "engaged",
            QueueSort::Longest => "longest",
            QueueSort::Average => "average",
            QueueSort::Asa => "asa",
            QueueSort::Drops => "drops",
            QueueSort::Free => "free",
            QueueSort::Service => "service",
        }
    }

    pub fn parse(word: &str) -> Option<QueueSort> {
        Self::ALL.into_iter().find(|s| s.label() == word)
    }
}

/// The column the conversations list is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortBy {
    /// OVERDUE first, then waiting (OPEN) by longest wait in the current
    /// queue, then the rest as `State` orders them.
    #[default]
    Urgency,
    /// Waiting first, then active, then the rest; oldest first within each.
    State,
    Age,
    Id,
    Channel,
}

impl SortBy {
    pub const ALL: [SortBy; 5] = [
        SortBy::Urgency,
        SortBy::State,
        SortBy::Age,
        SortBy::Id,
        SortBy::Channel,
    ];

    pub fn next(self) -> SortBy {
        match self {
            SortBy::Urgency => SortBy::State,
            SortBy::State => SortBy::Age,
            SortBy::Age => SortBy::Id,
            SortBy::Id => SortBy::Channel,
            SortBy::Channel => SortBy::Urgency,
        }
    }

    pub fn parse(word: &str) -> Option<SortBy> {
        Self::ALL.into_iter().find(|s| s.label() == word)
    }

    pub fn label(self) -> &'static str {
        match self {
            SortBy::Urgency => "urgency",
            SortBy::State => "state",
            SortBy::Age => "age",
            SortBy::Id => "id",
            SortBy::Channel => "channel",
        }
    }
}
