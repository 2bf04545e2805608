//! The read endpoints: conversations (paged, filtered, with the chaos
//! modes of a hostile list), a conversation, its details, agents,
//! availability, queues and queue size.

#![allow(
    clippy::result_large_err,
    reason = "a refusal is an axum Response, moved once per request"
)]

use super::*;

pub(super) fn parse_count(name: &str, value: &str) -> Result<Option<usize>, Response> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    v.parse::<usize>().map(Some).map_err(|_| {
        error(
            StatusCode::BAD_REQUEST,
            format!("{name} must be a non-negative integer, not {v:?}"),
        )
    })
}

pub(super) fn paged<T>(all: Vec<T>, skip: usize, limit: usize) -> Page<T> {
    let total = all.len();
    let results: Vec<T> = all.into_iter().skip(skip).take(limit).collect();
    page_of(results, total, skip, limit)
}

/// The page `results` of `total` at `skip`.
pub(super) fn page_of<T>(results: Vec<T>, total: usize, skip: usize, limit: usize) -> Page<T> {
    Page {
        has_more: skip + results.len() < total,
        results,
        skip: None,
        page: None,
        limit: Some(limit as i64),
        total_pages: Some(total.div_ceil(limit) as i64),
        total_results: Some(total as i64),
    }
}

pub(super) fn truthy(v: &str) -> bool {
    matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "true" | "1" | "yes" | "y"
    )
}

/// `page` (from 1) and `limit` (1..=100, default 10).
pub(super) fn page_params(q: &[(String, String)]) -> Result<(usize, usize), Response> {
    let mut page = 1;
    let mut limit = 10;
    for (k, v) in q {
        match k.as_str() {
            "page" => page = parse_count("page", v)?.unwrap_or(1).max(1),
            "limit" => limit = parse_count("limit", v)?.unwrap_or(10).clamp(1, 100),
            _ => {}
        }
    }
    Ok((page, limit))
}

pub(super) async fn list_conversations(
    State(sh): State<Arc<Shared>>,
    Path(stream_id): Path<String>,
    headers: HeaderMap,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let run = async {
        sh.gate(&headers, &stream_id).await?;
        let ListQuery {
            mut skip,
            mut limit,
            mut statuses,
            source,
            language,
        } = list_query(&q)?;
        let now = now_ms();
        let mut st = sh.lock();
        let chaos = st.chaos.clone();
        if chaos.endless_list {
            let from = st.endless_next;
            st.endless_next += limit as u64;
            return Ok(json(&endless_page(from, limit, &statuses)));
        }
        if chaos.endless {
            return Ok(endless_body());
        }
        if chaos.ignore_status {
            statuses.clear();
        }
        if chaos.ignore_limit {
            limit = usize::MAX;
        }
        if chaos.ignore_skip {
            skip = 0;
        }
        let wanted = |c: &&SimConversation| {
            (statuses.is_empty() || statuses.contains(&c.status))
                && source
                    .as_deref()
                    .is_none_or(|s| c.channel.source().eq_ignore_ascii_case(s))
                && language
                    .as_deref()
                    .is_none_or(|l| c.language.eq_ignore_ascii_case(l))
        };
        // One pass of comparisons for the count, and records made only for
        // the page: reading 50,000 a page at a time stays cheap.
        let conversations = &st.world.conversations;
        let total = conversations.iter().filter(wanted).count();
        let results = conversations
            .iter()
            .rev()
            .filter(wanted)
            .skip(skip)
            .take(limit)
            .map(|c| st.world.conversation_record(c, now))
            .collect();
        let mut page = page_of(results, total, skip, limit);
        page.skip = Some(skip as i64);
        if chaos.ignore_skip {
            page.has_more = true;
            page.total_results = None;
            page.total_pages = None;
        }
        if let Some(n) = chaos.pad_bytes {
            let mut v = serde_json::to_value(&page).unwrap_or_default();
            if let Some(o) = v.as_object_mut() {
                o.insert("padding".into(), serde_json::Value::String(" ".repeat(n)));
            }
            return Ok(json(&v));
        }
        Ok::<Response, Response>(json(&page))
    };
    match run.await {
        Ok(r) | Err(r) => r,
    }
}

/// What list-conversations was asked for.
struct ListQuery {
    skip: usize,
    limit: usize,
    statuses: Vec<ConvStatus>,
    source: Option<String>,
    language: Option<String>,
}

/// list-conversations' query, read: counts checked, statuses named.
fn list_query(q: &[(String, String)]) -> Result<ListQuery, Response> {
    let mut skip = 0;
    let mut limit = 10;
    let mut statuses: Vec<ConvStatus> = Vec::new();
    let mut source: Option<String> = None;
    let mut language: Option<String> = None;
    for (k, v) in q {
        match k.as_str() {
            "skip" => skip = parse_count("skip", v)?.unwrap_or(0),
            "limit" => limit = parse_count("limit", v)?.unwrap_or(10).clamp(1, 100),
            // Several statuses may come comma-separated or as repeated parameters.
            "status" | "status[]" => {
                // A JSON-style list (`["OPEN","ACTIVE"]`) is read too.
                let parts = v
                    .split(',')
                    .map(|p| p.trim_matches(|c: char| c.is_whitespace() || "[]\"'".contains(c)));
                for part in parts.filter(|p| !p.is_empty()) {
                    let s = ConvStatus::parse(part).ok_or_else(|| {
                        error(
                            StatusCode::BAD_REQUEST,
                            format!(
                                "unknown status {part:?}; use ACTIVE, CLOSED, IDLE, OPEN, OVERDUE or TERMINATED"
                            ),
                        )
                    })?;
                    statuses.push(s);
                }
            }
            "source" if !v.trim().is_empty() => source = Some(v.trim().to_string()),
            "language" if !v.trim().is_empty() => language = Some(v.trim().to_string()),
            _ => {}
        }
    }
    Ok(ListQuery {
        skip,
        limit,
        statuses,
        source,
        language,
    })
}

/// `Chaos::endless`: a body that starts like a page and never ends (4 GiB
/// of spaces after its opening).
fn endless_body() -> Response {
    let head = futures::stream::once(async {
        Ok::<Bytes, std::io::Error>(Bytes::from_static(b"{\"results\":["))
    });
    let chunk = Bytes::from(vec![b' '; 64 * 1024]);
    let tail =
        futures::stream::iter(std::iter::repeat_n(chunk, 1 << 16).map(Ok::<Bytes, std::io::Error>));
    Response::builder()
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from_stream(head.chain(tail)))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

pub(super) async fn get_conversation(
    State(sh): State<Arc<Shared>>,
    Path((stream_id, conversation_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = sh.gate(&headers, &stream_id).await {
        return r;
    }
    let st = sh.lock();
    match st.world.conversation(&conversation_id) {
        Some(c) => json(&super::super::details::record_with_details(
            &st.world,
            c,
            now_ms(),
        )),
        None => error(
            StatusCode::NOT_FOUND,
            format!("conversation {conversation_id} was not found"),
        ),
    }
}

/// Get Conversation Details, by bot session id (the latest conversation of
/// that session, ended ones too).
pub(super) async fn conversation_details(
    State(sh): State<Arc<Shared>>,
    Path((stream_id, session_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = sh.gate(&headers, &stream_id).await {
        return r;
    }
    let st = sh.lock();
    let found = st
        .world
        .conversations
        .iter()
        .rev()
        .find(|c| c.bot_session_id == session_id);
    match found {
        Some(c) => json(&super::super::details::details(&st.world, c, now_ms())),
        None => error(
            StatusCode::NOT_FOUND,
            format!("no conversation has the session {session_id}"),
        ),
    }
}

pub(super) async fn list_agents(
    State(sh): State<Arc<Shared>>,
    Path((stream_id, org_id)): Path<(String, String)>,
    headers: HeaderMap,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let run = async {
        sh.gate(&headers, &stream_id).await?;
        if org_id != sh.cfg.org_id {
            return Err(error(
                StatusCode::BAD_REQUEST,
                format!("organization {org_id} is not this account's organization"),
            ));
        }
        let (page, limit) = page_params(&q)?;
        let include_queues = q
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("includeQueues") && truthy(v));
        let st = sh.lock();
        if st.chaos.endless_pages {
            return Ok(json(&endless_by_number(page, |i| AgentRecord {
                id: format!("endless-agent-{i:06}"),
                name: Some(format!("Endless {i}")),
                ..AgentRecord::default()
            })));
        }
        let page = if st.chaos.ignore_page { 1 } else { page };
        let all: Vec<_> = st
            .world
            .agents
            .iter()
            .map(|a| st.world.agent_record(a, include_queues))
            .collect();
        let skip = (page - 1) * limit;
        // The request pages by `page` while the documented response reports
        // `skip`; both are given.
        let mut out = paged(all, skip, limit);
        out.skip = Some(skip as i64);
        out.page = Some(page as i64);
        if st.chaos.ignore_page {
            out = ignoring_page(out);
        }
        Ok(json(&out))
    };
    match run.await {
        Ok(r) | Err(r) => r,
    }
}

pub(super) async fn availability(
    State(sh): State<Arc<Shared>>,
    Path(stream_id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let run = async {
        // An empty body asks about every agent.
        let req: AvailabilityRequest = sh.filters(&headers, &stream_id, body).await?;
        let st = sh.lock();
        let mut out = AvailabilityResponse::default();
        // Each filter that is given narrows the set; an agent matches a filter
        // when it matches any of its ids.
        for a in &st.world.agents {
            if !req.agent_ids.is_empty()
                && !req
                    .agent_ids
                    .iter()
                    .any(|id| *id == a.id || *id == a.user_id)
            {
                continue;
            }
            if !req.queue_ids.is_empty() && !req.queue_ids.iter().any(|q| a.queue_ids.contains(q)) {
                continue;
            }
            if !req.skill_ids.is_empty() && !req.skill_ids.iter().any(|s| a.skill_ids.contains(s)) {
                continue;
            }
            let entry = st.world.availability_agent(a);
            match a.effective_presence() {
                world::Presence::Available => out.available.push(entry),
                world::Presence::Busy => out.busy.push(entry),
                world::Presence::Away => out.away.push(entry),
                world::Presence::Offline => out.offline.push(entry),
            }
        }
        Ok::<Response, Response>(json(&out))
    };
    match run.await {
        Ok(r) | Err(r) => r,
    }
}

pub(super) async fn list_queues(
    State(sh): State<Arc<Shared>>,
    Path(stream_id): Path<String>,
    headers: HeaderMap,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let run = async {
        sh.gate(&headers, &stream_id).await?;
        let (page, limit) = page_params(&q)?;
        let st = sh.lock();
        if let Some((total, per_page)) = st.chaos.queue_flood {
            return Ok(json(&flooded_queues(total, per_page, page)));
        }
        if st.chaos.endless_pages {
            return Ok(json(&endless_by_number(page, |i| QueueRecord {
                id: format!("qe-{i:06}"),
                name: format!("Endless {i}"),
                is_active: Some(true),
                ..QueueRecord::default()
            })));
        }
        let page = if st.chaos.ignore_page { 1 } else { page };
        let all: Vec<_> = st
            .world
            .queues
            .iter()
            .map(|q| st.world.queue_record(q))
            .collect();
        let mut out = paged(all, (page - 1) * limit, limit);
        out.page = Some(page as i64);
        if st.chaos.ignore_page {
            out = ignoring_page(out);
        }
        Ok::<Response, Response>(json(&out))
    };
    match run.await {
        Ok(r) | Err(r) => r,
    }
}

/// `Chaos::endless_list`: `limit` conversations never listed before (ids
/// from `from` on), in the first status asked for, and always more.
pub(super) fn endless_page(
    from: u64,
    limit: usize,
    statuses: &[ConvStatus],
) -> Page<ConversationRecord> {
    let status = statuses.first().map_or("OPEN", |s| s.as_str());
    let results = (from..from + limit as u64)
        .map(|i| ConversationRecord {
            id: Some(format!("endless-{i:09}")),
            status: Some(status.to_string()),
            wait_time: Some(1_000),
            ..ConversationRecord::default()
        })
        .collect();
    Page {
        has_more: true,
        results,
        skip: None,
        page: None,
        limit: Some(limit as i64),
        total_pages: None,
        total_results: None,
    }
}

/// `Chaos::ignore_page`: the page (always the first) says there is more
/// and gives no totals.
pub(super) fn ignoring_page<T>(page: Page<T>) -> Page<T> {
    Page {
        has_more: true,
        total_pages: None,
        total_results: None,
        ..page
    }
}

/// `Chaos::endless_pages`: page `page` (from 1) of a list paged by number
/// that never ends: ten items never listed before, `make` making each
/// from its number; always more, no totals.
pub(super) fn endless_by_number<T>(page: usize, make: impl Fn(usize) -> T) -> Page<T> {
    let from = (page - 1).saturating_mul(10);
    Page {
        results: (from..from + 10).map(make).collect(),
        has_more: true,
        page: Some(page as i64),
        limit: Some(10),
        ..Page::default()
    }
}

/// Page `page` (from 1) of `total` made-up queues, `per_page` a page.
pub(super) fn flooded_queues(total: usize, per_page: usize, page: usize) -> Page<QueueRecord> {
    let per_page = per_page.max(1);
    let from = (page - 1).saturating_mul(per_page).min(total);
    let to = from.saturating_add(per_page).min(total);
    let results = (from..to)
        .map(|i| QueueRecord {
            id: format!("qf-{i:06}"),
            name: format!("Flood {i}"),
            is_active: Some(true),
            ..QueueRecord::default()
        })
        .collect();
    let mut out = page_of(results, total, from, per_page);
    out.page = Some(page as i64);
    out
}

/// queue-size: the queue's live figures from the world, as an array of one.
/// The body's filters are read under either documented spelling; an empty
/// body asks for no filter. Half the answers (chosen by the seed) carry a
/// `//` comment after `ASA`, as the docs' sample does.
pub(super) async fn queue_size(
    State(sh): State<Arc<Shared>>,
    Path((stream_id, queue_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let run = async {
        let filter: QueueSizeRequest = sh.filters(&headers, &stream_id, body).await?;
        let mut st = sh.lock();
        let figures = st
            .world
            .queue_size(&queue_id, &filter, now_ms())
            .ok_or_else(|| {
                error(
                    StatusCode::NOT_FOUND,
                    format!("queue {queue_id} was not found"),
                )
            })?;
        let commented = st.queue_size_rng.random_bool(0.5);
        if commented {
            st.queue_size_forms.0 += 1;
        } else {
            st.queue_size_forms.1 += 1;
        }
        let mut figures = serde_json::to_value(QueueSizeResponse {
            queues: vec![figures],
        })
        .unwrap_or_default();
        if let Some((id, overrides)) = &st.chaos.odd_queue_size
            && *id == queue_id
        {
            override_figures(&mut figures, overrides);
        }
        Ok::<Response, Response>(queue_size_answer(&figures, commented))
    };
    match run.await {
        Ok(r) | Err(r) => r,
    }
}

/// Chaos: sets each `(name, value)` in the answer's entries, a dotted name
/// (`agentStatus.busy`) one object down.
pub(super) fn override_figures(
    answer: &mut serde_json::Value,
    overrides: &[(String, serde_json::Value)],
) {
    let Some(entries) = answer.as_array_mut() else {
        return;
    };
    for entry in entries {
        for (name, value) in overrides {
            let mut at = &mut *entry;
            let mut keys = name.split('.').peekable();
            while let Some(key) = keys.next() {
                let Some(map) = at.as_object_mut() else {
                    break;
                };
                if keys.peek().is_none() {
                    map.insert(key.to_string(), value.clone());
                    break;
                }
                at = map
                    .entry(key.to_string())
                    .or_insert_with(|| serde_json::json!({}));
            }
        }
    }
}

/// The answer's text: pretty JSON, with a `//` note after the `ASA` line
/// when `commented` (which makes it the docs' loose JSON, not JSON).
pub(super) fn queue_size_answer(figures: &serde_json::Value, commented: bool) -> Response {
    let text = serde_json::to_string_pretty(figures).unwrap_or_else(|_| "[]".into());
    let text = if commented {
        text.lines()
            .map(|line| {
                if line.trim_start().starts_with("\"ASA\"") {
                    format!("{line}  // average speed to answer")
                } else {
                    line.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    } else {
        text
    };
    Response::builder()
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(text))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

// ---------------------------------------------------------------------------
// Introspection (loopback peers only, no auth, no rate limit)
// ---------------------------------------------------------------------------
