//! The agent (or queue) picker's opening, shared by a single action on the
//! selected conversation (`sends.rs`) and a bulk action on the marks
//! (`bulk.rs`).

use super::*;

/// The picker for `purpose`, titled `title` (a conversation's id, or "6
/// marked"): refused when there is nobody to pick. An assign may go to a
/// queue when no agent is listed: then it offers the queues (`q:` typed).
pub(super) fn open_picker(state: &mut State, purpose: Verb, title: String) -> Vec<Effect> {
    if state.model.agents.is_empty() && (purpose != Verb::Assign || state.model.queues.is_empty()) {
        state.refuse(
            "the agent directory is empty (no agents listed yet); try again after the next poll",
        );
        return Vec::new();
    }
    let query = if state.model.agents.is_empty() {
        crate::app::queries::QUEUE_PREFIX
    } else {
        ""
    };
    state.views.mode = Mode::Picker(Picker {
        purpose,
        conversation: title,
        query: crate::app::input::TextInput::with_text("", MAX_INPUT),
        selected: 0,
        frozen: Vec::new(),
    });
    // The order of this moment stays while the picker is open.
    let frozen: Vec<Agent> = state.picker_choices().into_iter().cloned().collect();
    if let Mode::Picker(p) = &mut state.views.mode {
        p.frozen = frozen;
        p.query.set(query);
    }
    Vec::new()
}
