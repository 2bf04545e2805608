//! What comes back to a batch: the runner's reports, hooks outcomes, assign
//! answers and callbacks, each written as the line's JSON outcome.

use super::*;

impl Driver {
    pub(super) fn on_report(&mut self, report: app::Action) {
        match report {
            app::Action::HookDone {
                req_id,
                outcome,
                attempts,
                maybe_arrived,
                ..
            } => {
                let Some(id) = self.inflight.remove(&req_id) else {
                    return;
                };
                self.hook_done(&id, outcome, attempts, maybe_arrived);
            }
            app::Action::AssignDone {
                req_id,
                outcome,
                attempts,
                uncertain,
                ..
            } => {
                let Some(id) = self.inflight.get(&req_id).cloned() else {
                    return;
                };
                self.assign_done(&id, &req_id, outcome, attempts, uncertain);
            }
            app::Action::CallbackTimedOut { req_id } => {
                let Some(id) = self.inflight.get(&req_id).cloned() else {
                    return;
                };
                let Some(lane) = self.lanes.get_mut(&id) else {
                    return;
                };
                let Some(Current {
                    number,
                    kind:
                        CurrentKind::Assign {
                            answered: Some(mut line),
                            timeout,
                            ..
                        },
                    ..
                }) = lane.current.take().map(|b| *b)
                else {
                    return;
                };
                self.inflight.remove(&req_id);
                let mut message = format!("no callback within {timeout}s");
                if line["outcome"] == "unknown" {
                    // Its answer was lost and no callback came: still unknown.
                    message = format!(
                        "{message} after an answer that never came; its fate is unknown \
                         (check the conversation before assigning again)"
                    );
                } else {
                    line["outcome"] = json!("callback_timed_out");
                }
                line["ok"] = json!(false);
                line["callback_ok"] = json!(false);
                line["timed_out"] = json!(true);
                line["message"] = json!(message);
                emit(&line);
                note!("error: line {number}: {message}");
                self.tally.failed += 1;
                self.tally.worse(EXIT_FAILED);
                self.hold(&id, format!("line {number} of {id} got no callback"));
                self.release(&id);
            }
            app::Action::Note { error: true, text } => note!("error: {text}"),
            _ => {}
        }
    }

    pub(super) fn hook_done(
        &mut self,
        id: &str,
        outcome: Result<app::ReplyInfo, client::CallError>,
        attempts: u32,
        maybe_arrived: Vec<u32>,
    ) {
        let path = self.runner.client().hooks_path();
        let Some(lane) = self.lanes.get_mut(id) else {
            return;
        };
        let Some(Current {
            number,
            verb,
            kind:
                CurrentKind::Hooks {
                    action,
                    ctx,
                    key,
                    mut events,
                    step,
                    of,
                    req_id,
                    event,
                },
        }) = lane.current.take().map(|b| *b)
        else {
            return;
        };
        let text = event.describe();
        if let Some(also) = crate::app::update::may_also_have_arrived(&maybe_arrived) {
            note!("note: line {number}: {text} {also}");
        }
        let unknown = outcome.is_err() && !maybe_arrived.is_empty();
        let label = crate::cli::hook_label(&outcome, &maybe_arrived);
        let request = request_json(path, hooks_summary(&event, id));
        let mut extra = json!({"line": number, "conversation": id, "verb": verb,
            "id": req_id, "event": text, "step": step, "of": of, "outcome": label});
        if outcome.is_err() && !events.is_empty() {
            extra["not_sent"] = json!(events.len());
        }
        emit(&result_json(request, &outcome, attempts, extra));
        let e = match outcome {
            Ok(_) => {
                if maybe_arrived.is_empty() {
                    self.tally.delivered += 1;
                } else {
                    self.tally.maybe_twice += 1;
                }
                if let Err(e) = lane.state.roster.apply(&event, now_ms()) {
                    tracing::warn!(conversation = %id, error = %e, "a delivered event does not apply");
                }
                match events.pop_front() {
                    Some(next) => {
                        let next_id = event_id(&key, step + 1, of);
                        lane.current = Some(Box::new(Current {
                            number,
                            verb,
                            kind: CurrentKind::Hooks {
                                action,
                                ctx,
                                key,
                                events,
                                step: step + 1,
                                of,
                                req_id: next_id.clone(),
                                event: next.clone(),
                            },
                        }));
                        self.send_event(id, next_id, next);
                    }
                    None => self.to_start.push_back(id.to_string()),
                }
                return;
            }
            Err(e) => e,
        };
        if unknown {
            note!(
                "error: line {number}: {text}: {e}; it may have arrived, so its fate is unknown \
                 (open the console to resend or drop it)"
            );
        } else {
            note!("error: line {number}: {text} failed: {e}");
        }
        if e.to_string().starts_with(NOT_JOURNALED) && self.disk_refused.is_none() {
            self.disk_refused = Some(number);
        }
        self.tally.failed += 1;
        self.tally.worse(EXIT_FAILED);
        self.hold(id, format!("line {number} of {id} failed"));
        self.release(id);
    }

    pub(super) fn assign_done(
        &mut self,
        id: &str,
        req_id: &str,
        outcome: Result<app::ReplyInfo, client::CallError>,
        attempts: u32,
        uncertain: bool,
    ) {
        let Some(lane) = self.lanes.get_mut(id) else {
            return;
        };
        let Some(Current {
            number,
            kind:
                CurrentKind::Assign {
                    request,
                    callback_url,
                    timeout,
                    answered,
                    ..
                },
            ..
        }) = lane.current.as_deref_mut()
        else {
            return;
        };
        let number = *number;
        let label = match (&outcome, uncertain) {
            (Ok(_), _) => "taken",
            (Err(_), true) => "unknown",
            (Err(_), false) => "failed",
        };
        let line = result_json(
            request.clone(),
            &outcome,
            attempts,
            json!({"line": number, "session": id, "verb": "assign", "id": req_id,
                "callback_url": callback_url, "outcome": label}),
        );
        if let Err(e) = &outcome {
            if uncertain {
                // It may have been carried out: its callback still says so.
                note!(
                    "line {number}: assign {e}: it may have reached Kore, so it was not sent again; \
                     waiting up to {timeout}s for its callback"
                );
            } else {
                if let Some(cb) = self.early.remove(req_id) {
                    note!(
                        "line {number}: a callback came although the assign failed: {}",
                        cb.summary
                    );
                }
                emit(&line);
                note!("error: line {number}: assign failed: {e}");
            }
        }
        if outcome.is_err() && !uncertain {
            lane.current = None;
            self.inflight.remove(req_id);
            self.tally.failed += 1;
            self.tally.worse(EXIT_FAILED);
            self.hold(id, format!("line {number} of {id} failed"));
            self.release(id);
            return;
        }
        *answered = Some(line);
        if let Some(cb) = self.early.remove(req_id) {
            self.on_callback(cb);
            return;
        }
        let after_ms = i64::try_from(timeout.saturating_mul(1000)).unwrap_or(i64::MAX);
        self.runner.run(Effect::ArmCallbackTimeout {
            req_id: req_id.to_string(),
            after_ms,
        });
    }

    pub(super) fn on_callback(&mut self, cb: ReceivedCallback) {
        let Some(req_id) = cb.request_id.clone() else {
            note!(
                "a callback with no request id in its path came and was not used: {}",
                cb.summary
            );
            return;
        };
        let awaited = self.inflight.get(&req_id).cloned().and_then(|id| {
            let lane = self.lanes.get(&id)?;
            matches!(
                lane.current.as_deref(),
                Some(Current {
                    kind: CurrentKind::Assign {
                        answered: Some(_),
                        ..
                    },
                    ..
                })
            )
            .then_some(id)
        });
        let Some(id) = awaited else {
            if self.inflight.contains_key(&req_id) {
                // Before its assign's answer: kept until that is handled.
                self.early.insert(req_id, cb);
                return;
            }
            note!(
                "a callback for another request ({req_id}) came and was not used: {}",
                cb.summary
            );
            return;
        };
        self.inflight.remove(&req_id);
        let lane = self.lanes.get_mut(&id).expect("the lane exists");
        let Some(Current {
            number,
            kind:
                CurrentKind::Assign {
                    answered: Some(mut line),
                    ..
                },
            ..
        }) = lane.current.take().map(|b| *b)
        else {
            return;
        };
        let (ok, cb_line, why) = callback_came_json(&req_id, cb);
        line["outcome"] = json!(if ok { "transferred" } else { "callback_failed" });
        line["ok"] = json!(ok);
        line["callback_ok"] = json!(ok);
        for k in ["callback", "body", "understood"] {
            line[k] = cb_line[k].clone();
        }
        emit(&line);
        if ok {
            self.tally.transferred += 1;
            self.to_start.push_back(id);
        } else {
            note!("error: line {number}: {why}");
            self.tally.failed += 1;
            self.tally.worse(EXIT_FAILED);
            self.hold(&id, format!("line {number} of {id} failed"));
            self.release(&id);
        }
    }
}
