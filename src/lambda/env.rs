//! Execution environments and the pool of idle ones.
//!
//! Environments live in a slab (`Vec` + free list) so an id is a small index and nothing is
//! allocated per request. Idle on-demand environments sit in an intrusive list in the order they
//! became idle, which is also their expiry order when keep-alive is constant: the reaper only
//! ever looks at the front. Extra indexes exist only for the policies that need them.

use std::collections::BTreeSet;

use crate::config::IdleSelection;
use crate::engine::SimTime;

pub type EnvId = u32;
const NIL: EnvId = EnvId::MAX;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnvState {
    /// Initialising or running a request; `cold` if this request ran init first.
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
    /// When the current idle period ends the environment (valid while idle, on-demand only).
    pub expires_at: SimTime,
    /// The running invocation hit the timeout: the environment is reset when it ends.
    pub reset_after: bool,
    /// The running invocation arrived after the warm-up and counts in the metrics.
    pub counted: bool,
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
    /// Newest-created policy: idle environments by creation order.
    by_creation: BTreeSet<(u64, EnvId)>,
    /// Random keep-alive: idle environments by expiry (otherwise the list order is expiry order).
    by_expiry: Option<BTreeSet<(SimTime, EnvId)>>,
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
            by_creation: BTreeSet::new(),
            by_expiry: if constant_keep_alive {
                None
            } else {
                Some(BTreeSet::new())
            },
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

    /// Creates a busy environment.
    pub fn create(&mut self, provisioned: bool) -> EnvId {
        let env = Env {
            state: EnvState::Busy,
            provisioned,
            created: self.created,
            expires_at: SimTime::MAX,
            reset_after: false,
            counted: false,
            prev: NIL,
            next: NIL,
        };
        self.created += 1;
        self.alive += 1;
        match self.free.pop() {
            Some(id) => {
                self.envs[id as usize] = env;
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
            IdleSelection::NewestCreated => self.by_creation.last().map(|&(_, id)| id)?,
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
        let created = env.created;
        if self.tail != NIL {
            self.envs[self.tail as usize].next = id;
        } else {
            self.head = id;
        }
        self.tail = id;
        self.idle_count += 1;
        if self.selection == IdleSelection::NewestCreated {
            self.by_creation.insert((created, id));
        }
        if let Some(set) = &mut self.by_expiry {
            set.insert((expires_at, id));
        }
    }

    fn remove_idle(&mut self, id: EnvId) {
        let (prev, next, created, expires_at) = {
            let e = &self.envs[id as usize];
            (e.prev, e.next, e.created, e.expires_at)
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
        if self.selection == IdleSelection::NewestCreated {
            self.by_creation.remove(&(created, id));
        }
        if let Some(set) = &mut self.by_expiry {
            set.remove(&(expires_at, id));
        }
    }

    /// The earliest expiry among idle on-demand environments.
    pub fn earliest_expiry(&self) -> Option<SimTime> {
        match &self.by_expiry {
            Some(set) => set.first().map(|&(t, _)| t),
            None if self.head != NIL => Some(self.envs[self.head as usize].expires_at),
            None => None,
        }
    }

    /// Removes and frees one idle environment whose expiry is at or before `now`.
    pub fn reap_one(&mut self, now: SimTime) -> Option<EnvId> {
        let id = match &self.by_expiry {
            Some(set) => set.first().filter(|(t, _)| *t <= now).map(|&(_, id)| id)?,
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
