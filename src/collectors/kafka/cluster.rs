//! Cluster id, controller and racks through librdkafka's DescribeCluster admin API.
//!
//! rdkafka's `Metadata` drops what the Metadata response carries beyond brokers and topics (the
//! controller id, each broker's rack, the cluster id), and rdkafka has no binding for
//! DescribeCluster, so this calls the C API directly. librdkafka implements DescribeCluster with
//! a Metadata request (not Kafka's DescribeCluster API 60), so it works on every broker that
//! answers Metadata v1 or later, the mock cluster (which implements no API 60) included.
//! librdkafka sends it to the controller by default and first waits to learn which
//! broker that is; the mock cluster never sets a controller (it reports node 0, none of its
//! brokers), so that wait always timed out there, and on a real cluster it would stall while a
//! new controller is elected. Any broker answers Metadata, so the request goes to the broker
//! that has just answered the probe's own metadata request. Measured: on Apache Kafka 4.4 in
//! KRaft mode the cluster id is the 22-character id the storage was formatted with and the
//! "controller" a live broker the answering broker picks (clients cannot reach the quorum's
//! controllers); on the mock the racks are what `MockCluster::broker_rack` set and the
//! controller is 0.
//!
//! The unsafe code is kept to this file: each C object is owned by a guard that frees it on every
//! path, and every string is copied out before the event that owns it is destroyed.

use std::collections::HashMap;
use std::ffi::{CStr, c_char};
use std::ptr::NonNull;
use std::time::Duration;

use rdkafka::ClientContext;
use rdkafka::bindings as rd;
use rdkafka::client::Client;

use super::error::ProbeError;

/// What DescribeCluster tells beyond the broker list of plain metadata.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClusterInfo {
    pub cluster_id: Option<String>,
    pub controller: Option<i32>,
    /// Rack per broker id; None when the broker has no `broker.rack`.
    pub racks: HashMap<i32, Option<String>>,
}

/// Asks broker `via` to describe the cluster; blocks for up to `timeout` (call it off the async
/// workers).
pub fn describe<C: ClientContext>(
    client: &Client<C>,
    via: i32,
    timeout: Duration,
) -> Result<ClusterInfo, ProbeError> {
    let fail = |reason: String| ProbeError::DescribeCluster(reason);
    let timeout_ms = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
    let rk = client.native_ptr();
    // SAFETY: `rk` is a live handle for the duration of `client`'s borrow. Every pointer below is
    // checked for null, owned by a guard that destroys it exactly once, and only read while the
    // event that owns it (`event`) is alive.
    unsafe {
        let queue = Owned::new(rd::rd_kafka_queue_new(rk), rd::rd_kafka_queue_destroy)
            .ok_or_else(|| fail("librdkafka could not create a reply queue".into()))?;
        let options = Owned::new(
            rd::rd_kafka_AdminOptions_new(
                rk,
                rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_DESCRIBECLUSTER,
            ),
            rd::rd_kafka_AdminOptions_destroy,
        )
        .ok_or_else(|| fail("librdkafka could not create admin options".into()))?;
        let mut errstr = [0 as c_char; 256];
        let ok = rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR;
        if rd::rd_kafka_AdminOptions_set_request_timeout(
            options.ptr(),
            timeout_ms,
            errstr.as_mut_ptr(),
            errstr.len(),
        ) != ok
            || rd::rd_kafka_AdminOptions_set_broker(
                options.ptr(),
                via,
                errstr.as_mut_ptr(),
                errstr.len(),
            ) != ok
        {
            return Err(fail(text(errstr.as_ptr()).unwrap_or_default()));
        }
        rd::rd_kafka_DescribeCluster(rk, options.ptr(), queue.ptr());
        // A little past the request timeout, so librdkafka reports its own timeout first.
        let event = Owned::new(
            rd::rd_kafka_queue_poll(queue.ptr(), timeout_ms.saturating_add(500)),
            rd::rd_kafka_event_destroy,
        )
        .ok_or_else(|| fail(format!("no answer within {}", humantime::format_duration(timeout))))?;
        if rd::rd_kafka_event_error(event.ptr())
            != rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR
        {
            return Err(fail(
                text(rd::rd_kafka_event_error_string(event.ptr()))
                    .unwrap_or_else(|| "unknown error".into()),
            ));
        }
        let result = rd::rd_kafka_event_DescribeCluster_result(event.ptr());
        if result.is_null() {
            return Err(fail("the answer was not a DescribeCluster result".into()));
        }
        let controller = rd::rd_kafka_DescribeCluster_result_controller(result);
        let mut count = 0usize;
        let nodes = rd::rd_kafka_DescribeCluster_result_nodes(result, &raw mut count);
        let mut racks = HashMap::new();
        if !nodes.is_null() {
            for &node in std::slice::from_raw_parts(nodes, count) {
                if !node.is_null() {
                    racks.insert(
                        rd::rd_kafka_Node_id(node),
                        text(rd::rd_kafka_Node_rack(node)).filter(|r| !r.is_empty()),
                    );
                }
            }
        }
        Ok(ClusterInfo {
            cluster_id: text(rd::rd_kafka_DescribeCluster_result_cluster_id(result)),
            controller: (!controller.is_null()).then(|| rd::rd_kafka_Node_id(controller)),
            racks,
        })
    }
}

/// Copies a C string that may be null.
///
/// # Safety
/// `p` is null or points to a NUL-terminated string alive for this call.
unsafe fn text(p: *const c_char) -> Option<String> {
    if p.is_null() {
        return None;
    }
    // SAFETY: non-null and NUL-terminated per this function's contract.
    Some(unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
}

/// A librdkafka object destroyed by `destroy` when dropped.
struct Owned<T> {
    ptr: NonNull<T>,
    destroy: unsafe extern "C" fn(*mut T),
}

impl<T> Owned<T> {
    fn new(ptr: *mut T, destroy: unsafe extern "C" fn(*mut T)) -> Option<Self> {
        NonNull::new(ptr).map(|ptr| Self { ptr, destroy })
    }

    fn ptr(&self) -> *mut T {
        self.ptr.as_ptr()
    }
}

impl<T> Drop for Owned<T> {
    fn drop(&mut self) {
        // SAFETY: the pointer came from the matching librdkafka constructor and is destroyed
        // only here, once.
        unsafe { (self.destroy)(self.ptr.as_ptr()) }
    }
}
