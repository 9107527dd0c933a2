//! ECS services (with task definitions, capacity providers and Application Auto Scaling), EC2
//! Auto Scaling groups (with launch templates and scaling policies) and the ALB target groups
//! in front of them, to `[[service]]` items.

use serde_json::Value;

use super::map::{Mapper, int, num, text};
use crate::import::ImportError;
use crate::import::infra::{Autoscaling, Origin, Service};

/// What an ALB target group sets on the services behind it.
#[derive(Default)]
struct TargetGroup {
    balancing: Option<String>,
    deregistration_delay_s: Option<f64>,
    health_check_delay_s: Option<f64>,
}

impl Mapper<'_> {
    fn target_group(&mut self, tg: &str, s: &mut Service) -> Result<(), ImportError> {
        self.used.insert(tg.to_string());
        s.origins.push(Origin::new(tg, "AWS::ElasticLoadBalancingV2::TargetGroup"));
        let mut t = TargetGroup::default();
        if let Some(a) = self.get(tg, "TargetGroupAttributes")?.and_then(|a| a.as_array().cloned())
        {
            for kv in a {
                match text(kv.get("Key")).as_deref() {
                    Some("deregistration_delay.timeout_seconds") => {
                        t.deregistration_delay_s = num(kv.get("Value"))
                    }
                    Some("load_balancing.algorithm.type") => t.balancing = text(kv.get("Value")),
                    _ => {}
                }
            }
        }
        // a new target waits for its first passing health check: half an interval on average
        t.health_check_delay_s = self.getn(tg, "HealthCheckIntervalSeconds")?.map(|i| i / 2.0);
        s.alb = true;
        s.balancing = t.balancing.map(|b| match b.as_str() {
            "least_outstanding_requests" => "least-outstanding-requests".to_string(),
            _ => "round-robin".to_string(),
        });
        s.deregistration_delay_s = t.deregistration_delay_s;
        s.health_check_delay_s = t.health_check_delay_s;
        // the listeners and load balancer in front of this target group are part of the ALB
        for l in self.ids("AWS::ElasticLoadBalancingV2::Listener") {
            let (_, refs) = self.get_refs(&l, "DefaultActions")?;
            if refs.iter().any(|r| r == tg) {
                self.used.insert(l.clone());
                let (_, lb) = self.get_refs(&l, "LoadBalancerArn")?;
                self.used.extend(lb);
            }
        }
        for l in self.ids("AWS::ElasticLoadBalancingV2::ListenerRule") {
            let (_, refs) = self.get_refs(&l, "Actions")?;
            if refs.iter().any(|r| r == tg) {
                self.used.insert(l);
            }
        }
        Ok(())
    }

    /// The instance type of an Auto Scaling group, from its launch template or configuration.
    fn instance_type(&mut self, asg: &str) -> Result<Option<String>, ImportError> {
        for prop in ["LaunchTemplate", "LaunchConfigurationName"] {
            let (_, refs) = self.get_refs(asg, prop)?;
            for r in refs {
                self.used.insert(r.clone());
                match self.r.kind_of(&r) {
                    Some("AWS::EC2::LaunchTemplate") => {
                        return Ok(self
                            .get(&r, "LaunchTemplateData")?
                            .and_then(|d| text(d.get("InstanceType"))));
                    }
                    Some("AWS::AutoScaling::LaunchConfiguration") => {
                        return Ok(text(self.get(&r, "InstanceType")?.as_ref()));
                    }
                    _ => {}
                }
            }
        }
        Ok(None)
    }

    fn asg_capacity(&mut self, asg: &str) -> Result<(i64, i64, i64), ImportError> {
        let min = self.geti(asg, "MinSize")?.unwrap_or(0);
        let max = self.geti(asg, "MaxSize")?.unwrap_or(min.max(1));
        let desired = self.geti(asg, "DesiredCapacity")?.unwrap_or(min).clamp(min, max);
        Ok((min, max, desired))
    }

    pub(super) fn services(&mut self) -> Result<(), ImportError> {
        let mut in_clusters = Vec::new();
        for sid in self.ids("AWS::ECS::Service") {
            let mut s = Service {
                origins: vec![Origin::new(&sid, "AWS::ECS::Service")],
                ..Service::default()
            };
            s.name = self.name(&sid, false, 128)?;
            self.used.insert(sid.clone());
            // the cluster holds the service; what slsim models of it is on the service
            let (_, cluster) = self.get_refs(&sid, "Cluster")?;
            self.used.extend(cluster);
            let launch = text(self.get(&sid, "LaunchType")?.as_ref());
            let (_, task_refs) = self.get_refs(&sid, "TaskDefinition")?;
            let mut compat = Vec::new();
            if let Some(td) = task_refs.first().cloned() {
                self.used.insert(td.clone());
                s.origins.push(Origin::new(&td, "AWS::ECS::TaskDefinition"));
                s.vcpu = task_size(self.get(&td, "Cpu")?.as_ref(), true);
                s.memory = task_size(self.get(&td, "Memory")?.as_ref(), false).map(|m| m as i64);
                compat = self
                    .get(&td, "RequiresCompatibilities")?
                    .and_then(|c| c.as_array().cloned())
                    .unwrap_or_default();
                let arch =
                    self.get(&td, "RuntimePlatform")?.and_then(|p| text(p.get("CpuArchitecture")));
                s.architecture = arch.filter(|a| a == "ARM64").map(|_| "arm64".to_string());
            }
            let desired = self.geti(&sid, "DesiredCount")?.unwrap_or(1);
            s.capacity = Some((desired, desired, desired));
            let mut ec2_group = None;
            let strategy =
                self.get(&sid, "CapacityProviderStrategy")?.and_then(|v| v.as_array().cloned());
            let (_, strategy_refs) = self.get_refs(&sid, "CapacityProviderStrategy")?;
            for item in strategy.unwrap_or_default() {
                let p = text(item.get("CapacityProvider")).unwrap_or_default();
                let base = int(item.get("Base")).unwrap_or(0);
                let weight = int(item.get("Weight")).unwrap_or(0);
                match p.as_str() {
                    "FARGATE" => s.strategy.push(("fargate".into(), base, weight)),
                    "FARGATE_SPOT" => s.strategy.push(("fargate-spot".into(), base, weight)),
                    _ => ec2_group = Some(p),
                }
            }
            let provider = strategy_refs
                .iter()
                .find(|r| self.r.kind_of(r) == Some("AWS::ECS::CapacityProvider"))
                .cloned();
            let ec2 = launch.as_deref() == Some("EC2")
                || ec2_group.is_some()
                || provider.is_some()
                || (launch.is_none()
                    && !compat.is_empty()
                    && !compat.iter().any(|c| c.as_str() == Some("FARGATE")));
            s.platform = if ec2 { "ecs-ec2" } else { "fargate" }.to_string();
            if s.platform == "ecs-ec2" {
                s.strategy.clear();
                if let Some(cp) = provider {
                    self.used.insert(cp.clone());
                    s.origins.push(Origin::new(&cp, "AWS::ECS::CapacityProvider"));
                    let asp = self.get(&cp, "AutoScalingGroupProvider")?;
                    let (_, asg_refs) = self.get_refs(&cp, "AutoScalingGroupProvider")?;
                    let target = asp
                        .as_ref()
                        .and_then(|a| a.get("ManagedScaling"))
                        .and_then(|m| int(m.get("TargetCapacity")));
                    if let Some(asg) = asg_refs
                        .iter()
                        .find(|r| self.r.kind_of(r) == Some("AWS::AutoScaling::AutoScalingGroup"))
                    {
                        let asg = asg.clone();
                        in_clusters.push(asg.clone());
                        self.used.insert(asg.clone());
                        s.origins.push(Origin::new(&asg, "AWS::AutoScaling::AutoScalingGroup"));
                        s.instance_type = self.instance_type(&asg)?;
                        let (min, max, _) = self.asg_capacity(&asg)?;
                        s.cluster = Some((min, max, target));
                    }
                } else {
                    s.notes.push(format!("{sid}: ECS on EC2 without a capacity provider in this template; the cluster's instances are slsim's defaults"));
                }
            } else if s.strategy.len() == 1 {
                let (p, _, _) = s.strategy.remove(0);
                s.capacity_provider = Some(p);
            }
            let (lbs, lb_refs) = self.get_refs(&sid, "LoadBalancers")?;
            let tg = lb_refs
                .iter()
                .find(|r| self.r.kind_of(r) == Some("AWS::ElasticLoadBalancingV2::TargetGroup"))
                .cloned();
            match tg {
                Some(tg) => self.target_group(&tg, &mut s)?,
                None if lbs.as_ref().and_then(Value::as_array).is_some_and(|a| !a.is_empty()) => {
                    s.alb = true;
                    s.notes.push(format!(
                        "{sid}: its target group is outside this template; ALB defaults"
                    ));
                }
                None => {}
            }
            let read = [
                "ServiceName",
                "LaunchType",
                "TaskDefinition",
                "DesiredCount",
                "CapacityProviderStrategy",
                "LoadBalancers",
            ];
            s.notes.extend(self.unread(&sid, &read, &["Cluster", "NetworkConfiguration", "Tags"]));
            self.app_autoscaling(&sid, &mut s)?;
            self.infra.services.push(s);
        }
        for asg in self.ids("AWS::AutoScaling::AutoScalingGroup") {
            if in_clusters.contains(&asg) {
                continue;
            }
            self.asg_service(&asg)?;
        }
        Ok(())
    }

    fn app_autoscaling(&mut self, sid: &str, s: &mut Service) -> Result<(), ImportError> {
        for t in self.ids("AWS::ApplicationAutoScaling::ScalableTarget") {
            let (_, refs) = self.get_refs(&t, "ResourceId")?;
            if !refs.iter().any(|r| r == sid) {
                continue;
            }
            self.used.insert(t.clone());
            s.origins.push(Origin::new(&t, "AWS::ApplicationAutoScaling::ScalableTarget"));
            let min = self.geti(&t, "MinCapacity")?.unwrap_or(0);
            let max = self.geti(&t, "MaxCapacity")?.unwrap_or(min.max(1));
            let desired = s.capacity.map_or(min, |c| c.2).clamp(min, max);
            s.capacity = Some((min, max, desired));
            for p in self.ids("AWS::ApplicationAutoScaling::ScalingPolicy") {
                let (_, prefs) = self.get_refs(&p, "ScalingTargetId")?;
                if !prefs.contains(&t) {
                    continue;
                }
                self.used.insert(p.clone());
                s.origins.push(Origin::new(&p, "AWS::ApplicationAutoScaling::ScalingPolicy"));
                let cfg = self.get(&p, "TargetTrackingScalingPolicyConfiguration")?;
                match cfg {
                    Some(c) if s.autoscaling.is_none() => {
                        let metric = c.get("PredefinedMetricSpecification").and_then(|m| text(m.get("PredefinedMetricType")));
                        let metric = match metric.as_deref() {
                            Some("ECSServiceAverageCPUUtilization") => "cpu",
                            Some("ECSServiceAverageMemoryUtilization") => "memory",
                            Some("ALBRequestCountPerTarget") => "requests",
                            other => {
                                s.notes.push(format!("{p}: metric {} has no slsim counterpart; no autoscaling", other.unwrap_or("(custom)")));
                                continue;
                            }
                        };
                        let Some(target) = num(c.get("TargetValue")) else { continue };
                        s.autoscaling = Some(Autoscaling {
                            metric: metric.to_string(),
                            target,
                            scale_out_cooldown_s: num(c.get("ScaleOutCooldown")),
                            scale_in_cooldown_s: num(c.get("ScaleInCooldown")),
                            warmup_s: None,
                        });
                        if metric == "memory" {
                            s.notes.push(format!("{p}: memory target tracking needs memory_per_request above 0; set it"));
                        }
                    }
                    Some(_) => s.notes.push(format!("{p}: a second target-tracking policy; slsim models one")),
                    None => s.notes.push(format!(
                        "{p}: a step scaling policy; its thresholds live in CloudWatch alarms, not read: write service.autoscaling by hand"
                    )),
                }
            }
        }
        Ok(())
    }

    fn asg_service(&mut self, asg: &str) -> Result<(), ImportError> {
        let kind = "AWS::AutoScaling::AutoScalingGroup";
        let mut s = Service {
            origins: vec![Origin::new(asg, kind)],
            platform: "ec2".into(),
            ..Service::default()
        };
        s.name = self.name(asg, false, 128)?;
        self.used.insert(asg.to_string());
        s.instance_type = self.instance_type(asg)?;
        s.capacity = Some(self.asg_capacity(asg)?);
        let warmup = self.getn(asg, "DefaultInstanceWarmup")?;
        let (_, tg_refs) = self.get_refs(asg, "TargetGroupARNs")?;
        match tg_refs.first().cloned() {
            Some(tg) => self.target_group(&tg, &mut s)?,
            None => s.alb = false,
        }
        if self.get(asg, "MixedInstancesPolicy")?.is_some() {
            s.notes.push(format!("{asg}: MixedInstancesPolicy is not modelled; one instance type"));
        }
        for p in self.ids("AWS::AutoScaling::ScalingPolicy") {
            let (_, refs) = self.get_refs(&p, "AutoScalingGroupName")?;
            if !refs.iter().any(|r| r == asg) {
                continue;
            }
            self.used.insert(p.clone());
            s.origins.push(Origin::new(&p, "AWS::AutoScaling::ScalingPolicy"));
            let Some(c) = self.get(&p, "TargetTrackingConfiguration")? else {
                s.notes.push(format!("{p}: step or simple scaling; its thresholds live in CloudWatch alarms, not read"));
                continue;
            };
            let metric = c
                .get("PredefinedMetricSpecification")
                .and_then(|m| text(m.get("PredefinedMetricType")));
            let metric = match metric.as_deref() {
                Some("ASGAverageCPUUtilization") => "cpu",
                Some("ALBRequestCountPerTarget") => "requests",
                other => {
                    s.notes.push(format!(
                        "{p}: metric {} has no slsim counterpart",
                        other.unwrap_or("(custom)")
                    ));
                    continue;
                }
            };
            let Some(target) = num(c.get("TargetValue")) else { continue };
            let policy_warmup = self.getn(&p, "EstimatedInstanceWarmup")?;
            s.autoscaling = Some(Autoscaling {
                metric: metric.into(),
                target,
                scale_out_cooldown_s: None,
                scale_in_cooldown_s: None,
                warmup_s: policy_warmup.or(warmup),
            });
        }
        let read = [
            "AutoScalingGroupName",
            "MinSize",
            "MaxSize",
            "DesiredCapacity",
            "LaunchTemplate",
            "LaunchConfigurationName",
            "TargetGroupARNs",
            "DefaultInstanceWarmup",
            "MixedInstancesPolicy",
        ];
        s.notes.extend(self.unread(
            asg,
            &read,
            &["VPCZoneIdentifier", "AvailabilityZones", "Tags"],
        ));
        self.infra.services.push(s);
        Ok(())
    }
}

/// Task CPU (`"256"`, `"0.25 vCPU"`, `1024`) in vCPUs, or memory (`"512"`, `"1 GB"`) in MB.
fn task_size(v: Option<&Value>, cpu: bool) -> Option<f64> {
    let t = text(v)?;
    let t = t.trim();
    let lower = t.to_ascii_lowercase();
    if let Some(x) = lower.strip_suffix("vcpu") {
        return x.trim().parse().ok();
    }
    if let Some(x) = lower.strip_suffix("gb") {
        return x.trim().parse::<f64>().ok().map(|g| g * 1024.0);
    }
    let n: f64 = t.parse().ok()?;
    Some(if cpu { n / 1024.0 } else { n })
}
