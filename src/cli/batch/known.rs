//! What a batch keeps of each conversation the journal holds (issue 18.12):
//! only what a line naming it reads (its roster, its open requests, its
//! channel and its delivered requests' ids), in as few allocations as can
//! be. A batch holds one for every conversation of the journal until a line
//! names it, and most never are: a second run of 20,000 conversations on
//! the journal of the first held the first run's rebuilt states whole
//! (their rosters' and requests' room included) beside its own lanes.

use super::*;
use crate::domain::Roster;

/// A conversation of the journal as a batch keeps it until a line names it.
pub(super) struct Known {
    /// Cloned: its members take no more room than they need.
    roster: Roster,
    unknown: Box<[String]>,
    queued: Box<[String]>,
    experience: Option<Arc<str>>,
    language: Option<Arc<str>>,
    /// The delivered requests' ids, one after another; `ends` says where
    /// each ends.
    ids: Box<str>,
    ends: Box<[u32]>,
}

/// Makes equal channel names one shared string (most conversations have
/// the same experience and language).
#[derive(Default)]
pub(super) struct Names(HashSet<Arc<str>>);

impl Names {
    fn share(&mut self, name: Option<String>) -> Option<Arc<str>> {
        let name = name?;
        if let Some(shared) = self.0.get(name.as_str()) {
            return Some(shared.clone());
        }
        let shared: Arc<str> = name.into();
        self.0.insert(shared.clone());
        Some(shared)
    }
}

impl Known {
    /// What a batch keeps of `state` and its delivered requests' ids.
    pub(super) fn new(
        state: ConversationState,
        delivered: Vec<Box<str>>,
        names: &mut Names,
    ) -> Self {
        let mut ids = String::with_capacity(delivered.iter().map(|d| d.len()).sum());
        let mut ends = Vec::with_capacity(delivered.len());
        for id in &delivered {
            ids.push_str(id);
            ends.push(u32::try_from(ids.len()).unwrap_or(u32::MAX));
        }
        Known {
            roster: state.roster.clone(),
            unknown: state.unknown.into_boxed_slice(),
            queued: state.queued.into_boxed_slice(),
            experience: names.share(state.experience),
            language: names.share(state.language),
            ids: ids.into_boxed_str(),
            ends: ends.into_boxed_slice(),
        }
    }

    /// The state a lane plans on (what a batch reads of it: roster, open
    /// requests, channel) and the delivered requests' ids.
    pub(super) fn into_lane(self) -> (ConversationState, Vec<Box<str>>) {
        let mut delivered = Vec::with_capacity(self.ends.len());
        let mut start = 0;
        for &end in self.ends.iter() {
            let end = end as usize;
            delivered.push(self.ids[start..end].into());
            start = end;
        }
        let state = ConversationState {
            roster: self.roster,
            unknown: self.unknown.into_vec(),
            queued: self.queued.into_vec(),
            experience: self.experience.map(|s| s.to_string()),
            language: self.language.map(|s| s.to_string()),
            ..Default::default()
        };
        (state, delivered)
    }
}

/// The journal's conversations as a batch keeps them (boxed: the table's
/// room is then a pointer a conversation, not a `Known`).
pub(super) fn known(
    states: BTreeMap<String, ConversationState>,
    mut delivered: BTreeMap<String, Vec<Box<str>>>,
) -> HashMap<String, Box<Known>> {
    let mut names = Names::default();
    // Sized for the states: the delivered ids are of the same conversations.
    let mut out = HashMap::with_capacity(states.len());
    for (c, st) in states {
        let ids = delivered.remove(&c).unwrap_or_default();
        out.insert(c, Box::new(Known::new(st, ids, &mut names)));
    }
    // Delivered ids of a conversation with no state (none today, but the
    // two maps are apart).
    for (c, ids) in delivered {
        let st = ConversationState::default();
        out.insert(c, Box::new(Known::new(st, ids, &mut names)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::AgentRef;

    /// A lane gets back what a batch reads of the state, and the ids.
    #[test]
    fn a_lane_gets_back_what_a_batch_reads() {
        let mut st = ConversationState::default();
        st.roster
            .apply(&Event::na_entry(AgentRef::new("a-1", "Mia")), 1)
            .unwrap();
        st.unknown = vec!["r-u".into()];
        st.queued = vec!["r-q1".into(), "r-q2".into()];
        st.experience = Some("voice".into());
        st.language = Some("de".into());
        let roster = st.roster.clone();
        let ids: Vec<Box<str>> = vec!["b-k-1of2-x".into(), "".into(), "b-k-2of2-y".into()];
        let mut map = known(
            BTreeMap::from([
                ("c-1".to_string(), st),
                ("c-2".to_string(), Default::default()),
            ]),
            BTreeMap::from([("c-1".to_string(), ids.clone())]),
        );
        let (lane, delivered) = (*map.remove("c-1").unwrap()).into_lane();
        assert_eq!(lane.roster, roster);
        assert_eq!(lane.unknown, ["r-u"]);
        assert_eq!(lane.queued, ["r-q1", "r-q2"]);
        assert_eq!(lane.experience.as_deref(), Some("voice"));
        assert_eq!(lane.language.as_deref(), Some("de"));
        assert_eq!(delivered, ids);
        let (lane, delivered) = (*map.remove("c-2").unwrap()).into_lane();
        assert_eq!(lane.roster, Roster::new());
        assert!(lane.unknown.is_empty() && lane.queued.is_empty() && delivered.is_empty());
        assert_eq!((lane.experience, lane.language), (None, None));
    }
}
