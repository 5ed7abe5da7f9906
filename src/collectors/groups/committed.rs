//! Committed offsets of many groups from one client, via librdkafka's ListConsumerGroupOffsets
//! admin API (rdkafka 0.39 does not wrap it; `Consumer::committed_offsets` reads only the
//! client's own `group.id`, which would mean one client, with its threads, per group).
//!
//! Each group is first asked for "all its partitions" (a null partition list), one request per
//! group, all in flight at once on one queue: Apache Kafka answers that with exactly the
//! partitions the group committed. librdkafka's mock cluster answers it with nothing, so a group
//! that comes back empty is asked again for every known partition, explicitly. Explicit lists go
//! in chunks of [`CHUNK`]: librdkafka matches results to requests with a linear search per
//! partition, so one list of 10,000 partitions costs ~0.5 s where forty of 250 cost ~30 ms.

use std::collections::HashMap;
use std::ffi::{CStr, CString, c_char, c_void};
use std::time::{Duration, Instant};

use rdkafka::client::{Client, ClientContext};
use rdkafka_sys as rd;

/// Partitions per explicit request.
pub use crate::collectors::kafka::list_offsets::CHUNK;

/// One group's committed offsets, partitions without a commit left out.
pub type Committed = HashMap<(String, i32), i64>;

/// The committed offsets of every group in `groups` (blocking, at most `timeout`). `partitions`
/// (topic, partition ids) is what to ask explicitly when "all partitions" comes back empty.
pub fn fetch<C: ClientContext>(
    client: &Client<C>,
    groups: &[String],
    partitions: &[(String, Vec<i32>)],
    timeout: Duration,
) -> HashMap<String, Result<Committed, String>> {
    let deadline = Instant::now() + timeout;
    let mut queue = AdminQueue::new(client, timeout);
    for g in groups {
        queue.ask(g, None);
    }
    let mut out = queue.answers(deadline);
    let topics: Vec<(CString, &[i32])> = partitions
        .iter()
        .filter_map(|(t, ps)| Some((CString::new(t.as_str()).ok()?, ps.as_slice())))
        .collect();
    let chunks = chunks(&topics);
    let mut queue = AdminQueue::new(client, timeout);
    for (g, _) in
        out.iter().filter(|(_, r)| r.as_ref().is_ok_and(std::collections::HashMap::is_empty))
    {
        for c in &chunks {
            queue.ask(g, Some(c));
        }
    }
    for (g, r) in queue.answers(deadline) {
        out.insert(g, r);
    }
    out
}

/// Splits (topic, partitions) into lists of at most [`CHUNK`] partitions.
fn chunks<'a>(topics: &'a [(CString, &'a [i32])]) -> Vec<Vec<(&'a CStr, i32)>> {
    let all: Vec<(&CStr, i32)> =
        topics.iter().flat_map(|(t, ps)| ps.iter().map(move |p| (t.as_c_str(), *p))).collect();
    all.chunks(CHUNK).map(<[_]>::to_vec).collect()
}

/// One round of requests on one result queue; every request carries its index as the event's
/// opaque, so a request-level failure still names its group.
struct AdminQueue<'a, C: ClientContext> {
    client: &'a Client<C>,
    queue: *mut rd::rd_kafka_queue_t,
    timeout: Duration,
    /// Group of each request sent, by index; None once answered.
    pending: Vec<Option<String>>,
    /// Requests that could not be sent, with why.
    failed: Vec<(String, String)>,
}

impl<'a, C: ClientContext> AdminQueue<'a, C> {
    fn new(client: &'a Client<C>, timeout: Duration) -> Self {
        // SAFETY: the client handle is live for 'a; the queue is destroyed in Drop.
        let queue = unsafe { rd::rd_kafka_queue_new(client.native_ptr()) };
        Self { client, queue, timeout, pending: Vec::new(), failed: Vec::new() }
    }

    /// Sends one request: all the group's partitions (None) or these.
    fn ask(&mut self, group: &str, partitions: Option<&[(&CStr, i32)]>) {
        let Ok(name) = CString::new(group) else {
            self.failed.push((group.to_string(), "group name contains a NUL byte".into()));
            return;
        };
        if self.queue.is_null() {
            self.failed
                .push((group.to_string(), "librdkafka could not allocate a result queue".into()));
            return;
        }
        let rk = self.client.native_ptr();
        let op = rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS;
        let ms = i32::try_from(self.timeout.as_millis()).unwrap_or(i32::MAX);
        let mut errstr = [0 as c_char; 256];
        // SAFETY: every pointer is live for the calls. librdkafka copies the options, the
        // partition list and the request, so all three are destroyed right after sending.
        unsafe {
            let options = rd::rd_kafka_AdminOptions_new(rk, op);
            if options.is_null() {
                self.failed.push((
                    group.to_string(),
                    "librdkafka could not allocate admin options".into(),
                ));
                return;
            }
            rd::rd_kafka_AdminOptions_set_request_timeout(
                options,
                ms,
                errstr.as_mut_ptr(),
                errstr.len(),
            );
            rd::rd_kafka_AdminOptions_set_opaque(options, self.pending.len() as *mut c_void);
            let list = match partitions {
                Some(ps) => {
                    let l = rd::rd_kafka_topic_partition_list_new(
                        i32::try_from(ps.len()).unwrap_or(i32::MAX),
                    );
                    for (t, p) in ps {
                        rd::rd_kafka_topic_partition_list_add(l, t.as_ptr(), *p);
                    }
                    l
                }
                None => std::ptr::null_mut(),
            };
            let mut request = rd::rd_kafka_ListConsumerGroupOffsets_new(name.as_ptr(), list);
            rd::rd_kafka_ListConsumerGroupOffsets(rk, &raw mut request, 1, options, self.queue);
            rd::rd_kafka_ListConsumerGroupOffsets_destroy(request);
            if !list.is_null() {
                rd::rd_kafka_topic_partition_list_destroy(list);
            }
            rd::rd_kafka_AdminOptions_destroy(options);
        }
        self.pending.push(Some(group.to_string()));
    }

    /// Every group's answer, merged over its requests, by `deadline`: a group with one failed or
    /// unanswered request is an error.
    fn answers(mut self, deadline: Instant) -> HashMap<String, Result<Committed, String>> {
        let mut out: HashMap<String, Result<Committed, String>> = HashMap::new();
        let mut merge = |group: String, r: Result<Committed, String>| match (out.get_mut(&group), r)
        {
            (Some(Ok(have)), Ok(more)) => have.extend(more),
            (Some(Err(_)), _) => {}
            (Some(slot), Err(e)) => *slot = Err(e),
            (None, r) => {
                out.insert(group, r);
            }
        };
        for (g, e) in self.failed.drain(..) {
            merge(g, Err(e));
        }
        while self.pending.iter().any(Option::is_some) {
            let ms = i32::try_from(deadline.saturating_duration_since(Instant::now()).as_millis())
                .unwrap_or(i32::MAX);
            // SAFETY: the queue is live; a non-null event is read, then destroyed exactly once.
            let (index, result) = unsafe {
                let event = rd::rd_kafka_queue_poll(self.queue, ms);
                if event.is_null() {
                    break;
                }
                let index = rd::rd_kafka_event_opaque(event) as usize;
                let result = read_event(event);
                rd::rd_kafka_event_destroy(event);
                (index, result)
            };
            if let Some(group) = self.pending.get_mut(index).and_then(Option::take) {
                merge(group, result);
            }
        }
        let waited = humantime::format_duration(self.timeout);
        for group in self.pending.iter_mut().filter_map(Option::take) {
            merge(group, Err(format!("no answer within {waited}")));
        }
        out
    }
}

impl<C: ClientContext> Drop for AdminQueue<'_, C> {
    fn drop(&mut self) {
        if !self.queue.is_null() {
            // SAFETY: created in `new`, destroyed only here; late answers are discarded.
            unsafe { rd::rd_kafka_queue_destroy(self.queue) };
        }
    }
}

fn text(p: *const c_char) -> String {
    // SAFETY: librdkafka hands out NUL-terminated strings that live as long as their event.
    if p.is_null() {
        String::new()
    } else {
        unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
    }
}

/// The committed offsets in one ListConsumerGroupOffsets result event (one group per request).
///
/// # Safety
/// `event` must be a live event from an admin result queue.
unsafe fn read_event(event: *mut rd::rd_kafka_event_t) -> Result<Committed, String> {
    unsafe {
        if rd::rd_kafka_event_error(event) != rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR {
            return Err(text(rd::rd_kafka_event_error_string(event)));
        }
        let result = rd::rd_kafka_event_ListConsumerGroupOffsets_result(event);
        if result.is_null() {
            return Err("not a ListConsumerGroupOffsets result".into());
        }
        let mut count = 0usize;
        let groups = rd::rd_kafka_ListConsumerGroupOffsets_result_groups(result, &raw mut count);
        let mut committed = Committed::new();
        for i in 0..count {
            let g = *groups.add(i);
            let error = rd::rd_kafka_group_result_error(g);
            if !error.is_null() {
                return Err(text(rd::rd_kafka_error_string(error)));
            }
            let list = rd::rd_kafka_group_result_partitions(g);
            if list.is_null() {
                continue;
            }
            for j in 0..usize::try_from((*list).cnt).unwrap_or(0) {
                let e = &*(*list).elems.add(j);
                let ok = e.err == rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR;
                if ok && e.offset >= 0 && !e.topic.is_null() {
                    committed.insert((text(e.topic), e.partition), e.offset);
                }
            }
        }
        Ok(committed)
    }
}
