//! Execution environments and the pool of idle ones.
//!
//! Environments live in a slab (`Vec` + free list) so an id is a small index and nothing is
//! allocated per request. Idle on-demand environments sit in an intrusive list in the order they
//! became idle, which is also their expiry order when keep-alive is constant: the reaper only
//! ever looks at the front. Extra indexes exist only for the policies that need them, as heaps
//! with lazy deletion ([`LazyHeap`]), whose buffers stop growing once they fit the largest idle
//! pool: no allocation per request, where a `BTreeSet` would allocate on node splits.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::async_queue::AsyncEvent;
use super::logs::LoggedRequest;
use crate::config::IdleSelection;
use crate::engine::SimTime;

pub use crate::event::EnvId;

/// What an invocation serves, so its end can be reported to the right place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A synchronous request: the caller got its answer; nothing follows.
    Sync,
    /// An asynchronous event: success, or a retry or failure, follows the end.
    Async(AsyncEvent),
    /// A batch of an event-source mapping (a poller of a queue or stream): its end is handed
    /// back to the caller of [`LambdaModel::handle`](super::LambdaModel::handle) as an
    /// [`Outcome`](super::Outcome).
    Source { source: u32, batch: u32 },
}
const NIL: EnvId = EnvId::MAX;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnvState {
    /// Initialising (until `ready_at`) or running a request.
    Busy,
    Idle,
    Free,
}

#[derive(Clone, Debug)]
pub struct Env {
    pub state: EnvState,
    pub provisioned: bool,
    /// Creation order, for the newest-created policy.
    pub created: u64,
    /// While busy: when the invocation started, and when init ends and the handler starts
    /// (the phase is derived from it, so the end of init needs no event of its own).
    pub started_at: SimTime,
    pub ready_at: SimTime,
    /// When the current idle period ends the environment (valid while idle, on-demand only).
    pub expires_at: SimTime,
    /// The running invocation hit the timeout: the environment is reset when it ends.
    pub reset_after: bool,
    /// The running invocation fails (a function error or a timeout).
    pub errored: bool,
    /// The running invocation arrived after the warm-up and counts in the metrics.
    pub counted: bool,
    /// Who is waiting for the running invocation.
    pub origin: Origin,
    /// The running invocation is being logged: what its REPORT line needs (`--logs` only).
    pub log: Option<LoggedRequest>,
    /// Counts idle periods, so heap entries of an earlier idle period are recognised as stale.
    idle_epoch: u32,
    prev: EnvId,
    next: EnvId,
}

/// All environments of one function.
#[derive(Debug)]
pub struct EnvPool {
    envs: Vec<Env>,
    free: Vec<EnvId>,
    created: u64,
    /// Idle provisioned environments (any one will do: they never expire).
    pc_idle: Vec<EnvId>,
    /// Idle on-demand environments, oldest idle first.
    head: EnvId,
    tail: EnvId,
    idle_count: u32,
    selection: IdleSelection,
    /// Newest-created policy: idle environments by creation order (newest on top).
    by_creation: LazyHeap<u64>,
    /// Random keep-alive: idle environments by expiry, earliest on top (with constant
    /// keep-alive the list order is the expiry order and this is not kept).
    by_expiry: Option<LazyHeap<Reverse<SimTime>>>,
    alive: u32,
}

impl EnvPool {
    pub fn new(selection: IdleSelection, constant_keep_alive: bool) -> Self {
        EnvPool {
            envs: Vec::new(),
            free: Vec::new(),
            created: 0,
            pc_idle: Vec::new(),
            head: NIL,
            tail: NIL,
            idle_count: 0,
            selection,
            by_creation: LazyHeap::default(),
            by_expiry: if constant_keep_alive { None } else { Some(LazyHeap::default()) },
            alive: 0,
        }
    }

    pub fn env(&self, id: EnvId) -> &Env {
        &self.envs[id as usize]
    }

    pub fn env_mut(&mut self, id: EnvId) -> &mut Env {
        &mut self.envs[id as usize]
    }

    /// Environments alive (busy or idle).
    pub fn alive(&self) -> u32 {
        self.alive
    }

    pub fn idle_on_demand(&self) -> u32 {
        self.idle_count
    }

    /// Environments still running init at `now` (a scan: for inspection, not the hot path).
    pub fn initialising(&self, now: SimTime) -> u32 {
        self.envs.iter().filter(|e| e.state == EnvState::Busy && e.ready_at > now).count() as u32
    }

    /// Creates a busy environment.
    pub fn create(&mut self, provisioned: bool) -> EnvId {
        let env = Env {
            state: EnvState::Busy,
            provisioned,
            created: self.created,
            started_at: SimTime::ZERO,
            ready_at: SimTime::ZERO,
            expires_at: SimTime::MAX,
            reset_after: false,
            errored: false,
            counted: false,
            origin: Origin::Sync,
            log: None,
            idle_epoch: 0,
            prev: NIL,
            next: NIL,
        };
        self.created += 1;
        self.alive += 1;
        match self.free.pop() {
            Some(id) => {
                // the slot keeps counting idle periods, so heap entries left by the previous
                // environment in this slot can never look live again
                let epoch = self.envs[id as usize].idle_epoch;
                self.envs[id as usize] = Env { idle_epoch: epoch, ..env };
                id
            }
            None => {
                self.envs.push(env);
                (self.envs.len() - 1) as EnvId
            }
        }
    }

    /// Ends an environment that is not idle.
    pub fn destroy(&mut self, id: EnvId) {
        debug_assert_ne!(self.envs[id as usize].state, EnvState::Idle);
        self.envs[id as usize].state = EnvState::Free;
        self.free.push(id);
        self.alive -= 1;
    }

    /// Takes an idle provisioned environment, if any.
    #[inline]
    pub fn take_provisioned(&mut self) -> Option<EnvId> {
        let id = self.pc_idle.pop()?;
        self.envs[id as usize].state = EnvState::Busy;
        Some(id)
    }

    /// Returns a provisioned environment to its idle stack.
    pub fn release_provisioned(&mut self, id: EnvId) {
        self.envs[id as usize].state = EnvState::Idle;
        self.pc_idle.push(id);
    }

    /// Takes the idle on-demand environment the policy picks, if any.
    #[inline]
    pub fn take_idle(&mut self) -> Option<EnvId> {
        if self.idle_count == 0 {
            return None;
        }
        let id = match self.selection {
            IdleSelection::MostRecentlyUsed => self.tail,
            IdleSelection::LeastRecentlyUsed => self.head,
            IdleSelection::NewestCreated => self.by_creation.pop_valid(&self.envs)?.1,
        };
        self.remove_idle(id);
        self.envs[id as usize].state = EnvState::Busy;
        Some(id)
    }

    /// Puts a busy on-demand environment into the idle pool until `expires_at`.
    #[inline]
    pub fn make_idle(&mut self, id: EnvId, expires_at: SimTime) {
        let env = &mut self.envs[id as usize];
        env.state = EnvState::Idle;
        env.expires_at = expires_at;
        env.prev = self.tail;
        env.next = NIL;
        env.idle_epoch = env.idle_epoch.wrapping_add(1);
        let (created, epoch) = (env.created, env.idle_epoch);
        if self.tail != NIL {
            self.envs[self.tail as usize].next = id;
        } else {
            self.head = id;
        }
        self.tail = id;
        self.idle_count += 1;
        let idle = self.idle_count as usize;
        if self.selection == IdleSelection::NewestCreated {
            self.by_creation.push(created, id, epoch, idle, &self.envs);
        }
        if let Some(heap) = &mut self.by_expiry {
            heap.push(Reverse(expires_at), id, epoch, idle, &self.envs);
        }
    }

    fn remove_idle(&mut self, id: EnvId) {
        let (prev, next) = {
            let e = &self.envs[id as usize];
            (e.prev, e.next)
        };
        if prev != NIL {
            self.envs[prev as usize].next = next;
        } else {
            self.head = next;
        }
        if next != NIL {
            self.envs[next as usize].prev = prev;
        } else {
            self.tail = prev;
        }
        self.idle_count -= 1;
        // heap entries of this idle period go stale: the epoch no longer matches once the
        // environment is busy or freed, and the heaps drop them lazily
    }

    /// The earliest expiry among idle on-demand environments.
    pub fn earliest_expiry(&mut self) -> Option<SimTime> {
        match &mut self.by_expiry {
            Some(heap) => heap.peek_valid(&self.envs).map(|(Reverse(t), _)| t),
            None if self.head != NIL => Some(self.envs[self.head as usize].expires_at),
            None => None,
        }
    }

    /// Removes and frees one idle environment whose expiry is at or before `now`.
    pub fn reap_one(&mut self, now: SimTime) -> Option<EnvId> {
        let id = match &mut self.by_expiry {
            Some(heap) => {
                let (Reverse(t), id) = heap.peek_valid(&self.envs)?;
                if t > now {
                    return None;
                }
                heap.pop_valid(&self.envs);
                id
            }
            None => {
                Some(self.head).filter(|&h| h != NIL && self.envs[h as usize].expires_at <= now)?
            }
        };
        self.remove_idle(id);
        self.envs[id as usize].state = EnvState::Free;
        self.free.push(id);
        self.alive -= 1;
        Some(id)
    }
}

/// A heap of idle environments with lazy deletion. An entry is live while its environment is
/// idle in the same idle period (same epoch); entries of environments that left the pool
/// another way are skipped when they surface, and purged when they outnumber the live ones, so
/// the heap stays within twice the idle pool.
#[derive(Debug)]
struct LazyHeap<K: Ord> {
    heap: BinaryHeap<(K, EnvId, u32)>,
}

impl<K: Ord> Default for LazyHeap<K> {
    fn default() -> Self {
        LazyHeap { heap: BinaryHeap::new() }
    }
}

fn live(envs: &[Env], id: EnvId, epoch: u32) -> bool {
    let e = &envs[id as usize];
    e.state == EnvState::Idle && !e.provisioned && e.idle_epoch == epoch
}

impl<K: Ord + Copy> LazyHeap<K> {
    fn push(&mut self, key: K, id: EnvId, epoch: u32, idle: usize, envs: &[Env]) {
        if self.heap.len() > 2 * idle + 32 {
            self.heap.retain(|&(_, id, epoch)| live(envs, id, epoch));
        }
        self.heap.push((key, id, epoch));
    }

    /// The top live entry, dropping stale ones above it.
    fn peek_valid(&mut self, envs: &[Env]) -> Option<(K, EnvId)> {
        while let Some(&(key, id, epoch)) = self.heap.peek() {
            if live(envs, id, epoch) {
                return Some((key, id));
            }
            self.heap.pop();
        }
        None
    }

    fn pop_valid(&mut self, envs: &[Env]) -> Option<(K, EnvId)> {
        let top = self.peek_valid(envs)?;
        self.heap.pop();
        Some(top)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool_with_three_idle(sel: IdleSelection) -> (EnvPool, [EnvId; 3]) {
        let mut p = EnvPool::new(sel, true);
        let ids = [p.create(false), p.create(false), p.create(false)];
        // become idle in the order 1, 0, 2 (creation order is 0, 1, 2)
        p.make_idle(ids[1], SimTime(100));
        p.make_idle(ids[0], SimTime(200));
        p.make_idle(ids[2], SimTime(300));
        (p, ids)
    }

    #[test]
    fn policies_pick_the_documented_environment() {
        let (mut p, ids) = pool_with_three_idle(IdleSelection::NewestCreated);
        assert_eq!(p.take_idle(), Some(ids[2]));
        assert_eq!(p.take_idle(), Some(ids[1]));
        let (mut p, ids) = pool_with_three_idle(IdleSelection::MostRecentlyUsed);
        assert_eq!(p.take_idle(), Some(ids[2]));
        assert_eq!(p.take_idle(), Some(ids[0]));
        let (mut p, ids) = pool_with_three_idle(IdleSelection::LeastRecentlyUsed);
        assert_eq!(p.take_idle(), Some(ids[1]));
        assert_eq!(p.take_idle(), Some(ids[0]));
    }

    #[test]
    fn reaping_takes_expired_environments_in_expiry_order() {
        let (mut p, ids) = pool_with_three_idle(IdleSelection::NewestCreated);
        assert_eq!(p.earliest_expiry(), Some(SimTime(100)));
        assert_eq!(p.reap_one(SimTime(99)), None);
        assert_eq!(p.reap_one(SimTime(200)), Some(ids[1]));
        assert_eq!(p.reap_one(SimTime(200)), Some(ids[0]));
        assert_eq!(p.reap_one(SimTime(200)), None);
        assert_eq!(p.alive(), 1);
        // the freed slots are reused
        let again = p.create(false);
        assert!(again == ids[0] || again == ids[1]);
    }

    #[test]
    fn a_reused_slot_does_not_revive_stale_heap_entries() {
        let mut p = EnvPool::new(IdleSelection::NewestCreated, false);
        let old = p.create(false); // created 0
        let keep = p.create(false); // created 1
        p.make_idle(old, SimTime(10));
        p.make_idle(keep, SimTime(20));
        assert_eq!(p.reap_one(SimTime(10)), Some(old));
        let new = p.create(false); // created 2, in the old slot
        assert_eq!(new, old);
        p.make_idle(new, SimTime(30));
        // newest first: the new environment, then `keep`; the old entry must not resurface
        assert_eq!(p.take_idle(), Some(new));
        assert_eq!(p.take_idle(), Some(keep));
        assert_eq!(p.take_idle(), None);
        assert_eq!(p.earliest_expiry(), None);
    }

    #[test]
    fn lazy_heaps_stay_bounded_by_the_idle_pool() {
        let mut p = EnvPool::new(IdleSelection::NewestCreated, false);
        let ids: Vec<EnvId> = (0..10).map(|_| p.create(false)).collect();
        for round in 0..10_000u64 {
            for &id in &ids {
                p.make_idle(id, SimTime(round * 100 + id as u64));
            }
            while p.take_idle().is_some() {}
        }
        assert!(p.by_creation.heap.len() <= 2 * 10 + 33);
        assert!(p.by_expiry.as_ref().unwrap().heap.len() <= 2 * 10 + 33);
    }

    #[test]
    fn random_keep_alive_reaps_by_expiry_not_idle_order() {
        let mut p = EnvPool::new(IdleSelection::MostRecentlyUsed, false);
        let a = p.create(false);
        let b = p.create(false);
        p.make_idle(a, SimTime(500));
        p.make_idle(b, SimTime(50));
        assert_eq!(p.earliest_expiry(), Some(SimTime(50)));
        assert_eq!(p.reap_one(SimTime(60)), Some(b));
        assert_eq!(p.earliest_expiry(), Some(SimTime(500)));
    }
}
