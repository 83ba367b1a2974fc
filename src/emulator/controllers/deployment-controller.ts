import { QueueController } from './queue-controller.js';
import type { KObject, StoreEvent } from '../api/store-types.js';
import { type ControllerContext, objectKey, recordEvent, splitKey } from './controller-context.js';
import {
  type DeploymentCondition,
  type DeploymentStatus,
  REASON,
  calculateStatus,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  getCondition,
  jsonEqual,
  newCondition,
  removeCondition,
  rfc3339,
  setCondition,
} from './deployment-status.js';
import { type LabelSelector, isEmptySelector, selectorMatches as matchesLabelSelector } from '../../labels/label-selector.js';
import { controllerOf, timeMs } from './pod-util.js';
import {
  cleanupPlan,
  findNewReplicaSet,
  replicaSetName,
  replicasAnnotationsNeedUpdate,
  revisionForOrdering,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
  validInt32Annotation,
} from './deployment-util.js';
import {
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  POD_TEMPLATE_HASH_LABEL,
  REVISION_ANNOTATION,
  type ReplicaSetCounts,
  type ScaleCandidate,
  type StrategyView,
  compareOldestFirst,
  computeTemplateHash,
  maxRevision,
  maxSurgeOf,
  maxUnavailableOf,
  newReplicaSetReplicas,
  reconcileNewReplicaSetTarget,
  reconcileOldPlan,
  scalePlan,
  specReplicaSum,
  templatesEqualIgnoringHash,
} from './rollout-math.js';
import { WorkQueue, apiErrorCode } from './work-queue.js';

const COMPONENT = 'deployment-controller';
const MAX_INT32 = 2147483647;
/** Upstream's --deployment-controller revision-history annotation limit, in characters. */
const REVISION_HISTORY_LIMIT_CHARS = 2000;

/** The Deployment spec with API defaults filled in (the stored object is never rewritten with them). */
interface DeploymentView {
  replicas: number;
  selector: LabelSelector;
  template: Record<string, any>;
  strategy: StrategyView;
  minReadySeconds: number;
  /** undefined: keep every old ReplicaSet. */
  revisionHistoryLimit: number | undefined;
  /** undefined: no deadline. */
  progressDeadlineSeconds: number | undefined;
  paused: boolean;
}

function viewOf(d: KObject): DeploymentView {
  const spec = d.spec ?? {};
  const type = spec.strategy?.type === 'Recreate' ? 'Recreate' : 'RollingUpdate';
  const ru = spec.strategy?.rollingUpdate ?? {};
  const rhl: unknown = spec.revisionHistoryLimit;
  const pds: unknown = spec.progressDeadlineSeconds;
  return {
    replicas: typeof spec.replicas === 'number' ? spec.replicas : 1,
    selector: spec.selector ?? {},
    template: spec.template ?? {},
    strategy: { type, maxSurge: ru.maxSurge ?? '25%', maxUnavailable: ru.maxUnavailable ?? '25%' },
    minReadySeconds: typeof spec.minReadySeconds === 'number' ? spec.minReadySeconds : 0,
    revisionHistoryLimit: rhl === undefined ? 10 : typeof rhl === 'number' && rhl !== MAX_INT32 ? rhl : undefined,
    progressDeadlineSeconds: pds === undefined ? 600 : typeof pds === 'number' && pds !== MAX_INT32 ? pds : undefined,
    paused: spec.paused === true,
  };
}

function specReplicas(rs: KObject): number {
  return typeof rs.spec?.replicas === 'number' ? rs.spec.replicas : 1;
}

function statusNum(rs: KObject, field: string): number {
  const v: unknown = rs.status?.[field];
  return typeof v === 'number' ? v : 0;
}

function countsOf(rs: KObject): ReplicaSetCounts {
  return {
    name: rs.metadata.name ?? '',
    replicas: specReplicas(rs),
    available: statusNum(rs, 'availableReplicas'),
    createdMs: timeMs(rs.metadata.creationTimestamp),
  };
}

function scaleCandidateOf(rs: KObject): ScaleCandidate {
  return {
    ...countsOf(rs),
    desiredAnnotation: validInt32Annotation(rs.metadata.annotations, DESIRED_REPLICAS_ANNOTATION),
    maxReplicasAnnotation: validInt32Annotation(rs.metadata.annotations, MAX_REPLICAS_ANNOTATION),
  };
}

/** Active: spec.replicas > 0 (upstream FilterActiveReplicaSets). */
function isActive(rs: KObject): boolean {
  return specReplicas(rs) > 0;
}


/**
 * The Deployment controller: from a Deployment, its ReplicaSets (one per pod template, the new one
 * named `<deployment>-<hash>`), scaled step by step as upstream's RollingUpdate and Recreate
 * strategies do, and the Deployment's status and conditions.
 */
export class DeploymentController extends QueueController {
  protected readonly primary = 'deployments';

  /** Wires the controller to the store; call start() to begin. */
  constructor(ctx: ControllerContext) {
    super(ctx, COMPONENT);
  }

  protected watches(): Array<[string, (e: StoreEvent) => void]> {
    return [['deployments', (e) => this.queue.add(objectKey(e.object))], ['replicasets', (e) => this.onReplicaSet(e)], ['pods', (e) => this.onPod(e)]];
  }

  private onReplicaSet(e: StoreEvent): void {
    const rs = e.object;
    const ref = controllerOf(rs);
    if (ref !== undefined) {
      if (ref.kind === 'Deployment') this.queue.add(`${rs.metadata.namespace ?? 'default'}/${ref.name}`);
      return;
    }
    if (e.type === 'DELETED') return;
    // An orphan: the Deployments that select it may adopt it.
    for (const d of this.ctx.store.list('deployments', rs.metadata.namespace).items) {
      if (matchesLabelSelector(d.spec?.selector, rs.metadata.labels)) this.queue.add(objectKey(d));
    }
  }

  private onPod(e: StoreEvent): void {
    // Only Recreate waits on pods (until the old ones are gone); a pod's end can unblock it.
    if (e.type !== 'DELETED' && !(e.type === 'MODIFIED' && e.object.metadata.deletionTimestamp !== undefined)) return;
    const ref = controllerOf(e.object);
    if (ref?.kind !== 'ReplicaSet') return;
    const rs = this.ctx.store.get('replicasets', e.object.metadata.namespace, ref.name);
    const dref = rs === undefined ? undefined : controllerOf(rs);
    if (dref?.kind === 'Deployment') this.queue.add(`${e.object.metadata.namespace ?? 'default'}/${dref.name}`);
  }

  protected sync(key: string): void {
    const { namespace, name } = splitKey(key);
    const d = this.ctx.store.get('deployments', namespace, name);
    if (d === undefined) return;
    try {
      new DeploymentSync(this.ctx, d, (delayMs) => this.queue.addAfter(key, delayMs)).run();
    } catch (err) {
      // Gone meanwhile: nothing left to do. Conflicts and the rest: retried with backoff.
      if (apiErrorCode(err) === 404 && this.ctx.store.get('deployments', namespace, name) === undefined) return;
      throw err;
    }
  }
}

/** One sync of one Deployment (upstream syncDeployment and what it calls). */
class DeploymentSync {
  private d: KObject;
  private readonly spec: DeploymentView;
  /** The Deployment's ReplicaSets, kept current after each write. */
  private rss: KObject[] = [];
  private newUid: string | undefined;

  constructor(
    private readonly ctx: ControllerContext,
    d: KObject,
    private readonly requeueAfter: (delayMs: number) => void,
  ) {
    this.d = d;
    this.d.status ??= {};
    this.spec = viewOf(d);
  }

  private get name(): string {
    return this.d.metadata.name ?? '';
  }

  private get ns(): string {
    return this.d.metadata.namespace ?? 'default';
  }

  private get generation(): number {
    return this.d.metadata.generation ?? 0;
  }

  private get status(): DeploymentStatus {
    return this.d.status as DeploymentStatus;
  }

  run(): void {
    if (isEmptySelector(this.spec.selector)) {
      recordEvent(this.ctx, COMPONENT, this.d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((this.status.observedGeneration ?? 0) < this.generation) {
        this.status.observedGeneration = this.generation;
        this.writeDeployment(false);
      }
      return;
    }
    this.rss = this.replicaSetsForDeployment();
    if (this.d.metadata.deletionTimestamp !== undefined) {
      this.syncReplicaSets(false);
      this.syncDeploymentStatus();
      return;
    }
    this.checkPausedConditions();
    if (this.spec.paused || this.isScalingEvent()) {
      this.syncScaling();
      return;
    }
    if (this.spec.strategy.type === 'Recreate') this.rolloutRecreate();
    else this.rolloutRolling();
  }

  /* ---------- ReplicaSets: ownership, new/old, revisions ---------- */

  private replicaSetsForDeployment(): KObject[] {
    const uid = this.d.metadata.uid;
    const out: KObject[] = [];
    for (const rs of this.ctx.store.list('replicasets', this.ns).items) {
      const ref = controllerOf(rs);
      if (ref !== undefined) {
        if (ref.uid === uid) out.push(rs);
        continue;
      }
      // Adopt orphans the selector matches, as upstream's ControllerRefManager does.
      if (rs.metadata.deletionTimestamp !== undefined || !matchesLabelSelector(this.spec.selector, rs.metadata.labels)) continue;
      rs.metadata.ownerReferences = [...(rs.metadata.ownerReferences ?? []), this.controllerRef()];
      out.push(this.ctx.store.update('replicasets', rs));
    }
    return out;
  }

  private controllerRef(): { apiVersion: string; kind: string; name: string; uid: string; controller: boolean; blockOwnerDeletion: boolean } {
    return { apiVersion: 'apps/v1', kind: 'Deployment', name: this.name, uid: this.d.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
  }

  private get newRs(): KObject | undefined {
    return this.newUid === undefined ? undefined : this.rss.find((rs) => rs.metadata.uid === this.newUid);
  }

  private get oldRss(): KObject[] {
    return this.rss.filter((rs) => rs.metadata.uid !== this.newUid);
  }

  private get allRss(): KObject[] {
    const n = this.newRs;
    return n === undefined ? this.oldRss : [...this.oldRss, n];
  }

  private replaceRs(rs: KObject): KObject {
    const i = this.rss.findIndex((x) => x.metadata.uid === rs.metadata.uid);
    if (i >= 0) this.rss[i] = rs;
    else this.rss.push(rs);
    return rs;
  }

  /**
   * Finds the new ReplicaSet (the oldest one whose template equals the Deployment's, hash label
   * aside) and syncs revisions; creates it when asked to and missing (upstream
   * getAllReplicaSetsAndSyncRevision + getNewReplicaSet).
   */
  private syncReplicaSets(createIfMissing: boolean): void {
    const found = findNewReplicaSet(
      this.spec.template,
      this.rss.map((rs) => ({ ...countsOf(rs), template: rs.spec?.template, rs })),
    )?.rs;
    this.newUid = found?.metadata.uid;
    const newRevision = String(maxRevision(this.oldRss) + 1);

    if (found !== undefined) {
      const copy = structuredClone(found);
      const annotationsUpdated = this.setNewReplicaSetAnnotations(copy, newRevision, true);
      const minReadyNeedsUpdate = (copy.spec?.minReadySeconds ?? 0) !== this.spec.minReadySeconds;
      if (annotationsUpdated || minReadyNeedsUpdate) {
        copy.spec.minReadySeconds = this.spec.minReadySeconds;
        // As upstream: the ReplicaSet write triggers another sync, which copies the revision.
        this.replaceRs(this.ctx.store.update('replicasets', copy));
        return;
      }
      let needsUpdate = this.setDeploymentRevision(copy.metadata.annotations?.[REVISION_ANNOTATION] ?? newRevision);
      if (this.spec.progressDeadlineSeconds !== undefined && getCondition(this.status, 'Progressing') === undefined) {
        setCondition(this.status, newCondition('Progressing', 'True', REASON.foundNewReplicaSet, `Found new replica set "${copy.metadata.name ?? ''}"`, this.ctx.now()));
        needsUpdate = true;
      }
      if (needsUpdate) this.writeDeployment(true);
      return;
    }
    if (!createIfMissing) return;

    const collisionCount = typeof this.status.collisionCount === 'number' ? this.status.collisionCount : undefined;
    const hash = computeTemplateHash(this.spec.template, collisionCount);
    const template = structuredClone(this.spec.template);
    template['metadata'] ??= {};
    template['metadata'].labels = { ...(template['metadata'].labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
    const selector: LabelSelector = structuredClone(this.spec.selector);
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
    const rs: KObject = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: replicaSetName(this.name, hash),
        namespace: this.ns,
        labels: { ...template['metadata'].labels },
        ownerReferences: [this.controllerRef()],
      },
      spec: { replicas: 0, minReadySeconds: this.spec.minReadySeconds, selector, template },
    };
    const allSpec = specReplicaSum(this.oldRss.map(countsOf));
    const replicas = this.oldReplicaSetsSettled() ? newReplicaSetReplicas(this.spec.strategy, this.spec.replicas, allSpec, 0) : 0;
    rs.spec.replicas = replicas;
    this.setNewReplicaSetAnnotations(rs, newRevision, false);

    let created: KObject;
    let alreadyExisted = false;
    try {
      created = this.ctx.store.create('replicasets', rs);
    } catch (err) {
      if (apiErrorCode(err) !== 409) throw err;
      const existing = this.ctx.store.get('replicasets', this.ns, rs.metadata.name ?? '');
      if (existing !== undefined && controllerOf(existing)?.uid === this.d.metadata.uid && templatesEqualIgnoringHash(existing.spec?.template, this.spec.template)) {
        created = existing;
        alreadyExisted = true;
      } else {
        // A different template hashed to the same name: bump collisionCount and try again.
        this.status.collisionCount = (collisionCount ?? 0) + 1;
        this.writeDeployment(false);
        recordEvent(this.ctx, COMPONENT, this.d, 'Warning', 'HashCollision', `Found a hash collision for deployment "${this.name}" - bumping collisionCount to ${this.status.collisionCount}`);
        throw new Error(`hash collision on replica set ${rs.metadata.name ?? ''}; retrying with collisionCount ${this.status.collisionCount}`);
      }
    }
    this.replaceRs(created);
    this.newUid = created.metadata.uid;
    if (!alreadyExisted && replicas > 0) {
      recordEvent(this.ctx, COMPONENT, this.d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata.name ?? ''} from 0 to ${replicas}`);
    }
    let needsUpdate = false;
    if (!alreadyExisted && this.spec.progressDeadlineSeconds !== undefined) {
      setCondition(this.status, newCondition('Progressing', 'True', REASON.newReplicaSetCreated, `Created new replica set "${created.metadata.name ?? ''}"`, this.ctx.now()));
      needsUpdate = true;
    }
    needsUpdate = this.setDeploymentRevision(newRevision) || needsUpdate;
    if (needsUpdate) this.writeDeployment(true);
  }

  /** Copies the Deployment's annotations, bumps the revision (keeping history) and the replica annotations. */
  private setNewReplicaSetAnnotations(rs: KObject, newRevision: string, exists: boolean): boolean {
    const ann: Record<string, string> = (rs.metadata.annotations ??= {});
    let changed = setNewReplicaSetAnnotations(this.d.metadata.annotations, ann, newRevision, REVISION_HISTORY_LIMIT_CHARS);
    if (!exists && this.setReplicasAnnotations(rs)) changed = true;
    return changed;
  }

  private maxReplicas(): number {
    return this.spec.replicas + maxSurgeOf(this.spec.strategy, this.spec.replicas);
  }

  private setReplicasAnnotations(rs: KObject): boolean {
    return setReplicasAnnotations((rs.metadata.annotations ??= {}), this.spec.replicas, this.maxReplicas());
  }

  private replicasAnnotationsNeedUpdate(rs: KObject): boolean {
    return replicasAnnotationsNeedUpdate(rs.metadata.annotations, this.spec.replicas, this.maxReplicas());
  }

  private setDeploymentRevision(revision: string): boolean {
    const ann: Record<string, string> = (this.d.metadata.annotations ??= {});
    if (ann[REVISION_ANNOTATION] === revision) return false;
    ann[REVISION_ANNOTATION] = revision;
    return true;
  }

  /* ---------- scaling ---------- */

  /** Scales one ReplicaSet (and refreshes its replica annotations); records the event. */
  private scaleReplicaSet(rs: KObject, to: number, operation?: 'up' | 'down'): boolean {
    const from = specReplicas(rs);
    const sizeNeedsUpdate = from !== to;
    if (!sizeNeedsUpdate && !this.replicasAnnotationsNeedUpdate(rs)) return false;
    const copy = structuredClone(rs);
    copy.spec.replicas = to;
    this.setReplicasAnnotations(copy);
    const updated = this.replaceRs(this.ctx.store.update('replicasets', copy));
    if (!sizeNeedsUpdate) return false;
    const op = operation ?? (from < to ? 'up' : 'down');
    recordEvent(this.ctx, COMPONENT, this.d, 'Normal', 'ScalingReplicaSet', `Scaled ${op} replica set ${updated.metadata.name ?? ''} from ${from} to ${to}`);
    return true;
  }

  private scaleIfNeeded(rs: KObject, to: number): boolean {
    if (specReplicas(rs) === to) return false;
    return this.scaleReplicaSet(rs, to);
  }

  /** A ReplicaSet whose desired-replicas annotation differs from spec.replicas: someone scaled the Deployment. */
  private isScalingEvent(): boolean {
    this.syncReplicaSets(false);
    for (const rs of this.allRss.filter(isActive)) {
      const desired = validInt32Annotation(rs.metadata.annotations, DESIRED_REPLICAS_ANNOTATION);
      if (desired !== undefined && desired !== this.spec.replicas) return true;
    }
    return false;
  }

  /** Scaling without rolling out (paused Deployments and scaling events; upstream `sync`). */
  private syncScaling(): void {
    this.syncReplicaSets(false);
    this.scale();
    if (this.spec.paused) this.cleanupDeployment();
    this.syncDeploymentStatus();
  }

  /** Upstream `scale`: one active ReplicaSet takes all; otherwise proportional. */
  private scale(): void {
    const newRs = this.newRs;
    const plan = scalePlan(
      this.spec.strategy,
      this.spec.replicas,
      this.status.replicas ?? 0,
      newRs === undefined ? undefined : scaleCandidateOf(newRs),
      this.oldRss.map(scaleCandidateOf),
    );
    const toAdd = plan.steps.reduce((a, st) => a + st.to - st.from, 0);
    for (const step of plan.steps) {
      const rs = this.rss.find((x) => x.metadata.name === step.name);
      if (rs === undefined) continue;
      // Proportional scaling writes every active ReplicaSet, if only to refresh its annotations.
      if (plan.kind === 'proportional') this.scaleReplicaSet(rs, step.to, toAdd < 0 ? 'down' : 'up');
      else this.scaleIfNeeded(rs, step.to);
    }
  }

  /* ---------- strategies ---------- */

  private rolloutRolling(): void {
    this.syncReplicaSets(true);
    const newRs = this.newRs;
    if (newRs === undefined) return;
    if (this.reconcileNewReplicaSet(newRs)) {
      this.syncRolloutStatus();
      return;
    }
    if (this.reconcileOldReplicaSets()) {
      this.syncRolloutStatus();
      return;
    }
    if (deploymentComplete(this.spec.replicas, this.generation, this.status)) this.cleanupDeployment();
    this.syncRolloutStatus();
  }

  private reconcileNewReplicaSet(newRs: KObject): boolean {
    const current = specReplicas(newRs);
    const allSpec = specReplicaSum(this.allRss.map(countsOf));
    const to = reconcileNewReplicaSetTarget(this.spec.strategy, this.spec.replicas, allSpec, current);
    if (to === undefined) return false;
    // Growing waits for the old ReplicaSets to have shrunk (see oldReplicaSetsSettled).
    if (to > current && !this.oldReplicaSetsSettled()) return false;
    return this.scaleIfNeeded(newRs, to);
  }

  /**
   * Every old ReplicaSet's controller has acted on its last scale-down (status observed, no more
   * pods than spec). Upstream bounds only the sum of spec.replicas, so that for a moment the pods
   * of a shrinking old ReplicaSet and of the growing new one can exceed replicas + maxSurge;
   * growing the new ReplicaSet only once the old ones have shrunk keeps the live pods within the
   * bound too, as the documentation promises, at the cost of a few milliseconds.
   */
  private oldReplicaSetsSettled(): boolean {
    return this.oldRss.every(
      (rs) => (rs.metadata.generation ?? 0) <= statusNum(rs, 'observedGeneration') && statusNum(rs, 'replicas') <= specReplicas(rs),
    );
  }

  private reconcileOldReplicaSets(): boolean {
    // Scale-downs are budgeted from ReplicaSet status: wait until the ReplicaSet controller has
    // observed every spec change, so that no stale availableReplicas is counted twice.
    if (this.allRss.some((rs) => (rs.metadata.generation ?? 0) > statusNum(rs, 'observedGeneration') && (isActive(rs) || statusNum(rs, 'replicas') > 0))) {
      return false;
    }
    const newRs = this.newRs;
    const steps = reconcileOldPlan(this.spec.strategy, this.spec.replicas, newRs === undefined ? undefined : countsOf(newRs), this.oldRss.map(countsOf));
    let scaled = false;
    for (const step of steps) {
      const rs = this.rss.find((x) => x.metadata.name === step.name);
      if (rs !== undefined && this.scaleIfNeeded(rs, step.to)) scaled = true;
    }
    return scaled;
  }

  private rolloutRecreate(): void {
    this.syncReplicaSets(false);
    let scaledDown = false;
    for (const rs of this.oldRss.filter(isActive)) if (this.scaleIfNeeded(rs, 0)) scaledDown = true;
    if (scaledDown || this.oldPodsRunning()) {
      this.syncRolloutStatus();
      return;
    }
    if (this.newRs === undefined) this.syncReplicaSets(true);
    const newRs = this.newRs;
    if (newRs !== undefined) this.scaleIfNeeded(newRs, this.spec.replicas);
    if (deploymentComplete(this.spec.replicas, this.generation, this.status)) this.cleanupDeployment();
    this.syncRolloutStatus();
  }

  /** Any pod of an old ReplicaSet still exists and has not finished (terminating pods count). */
  private oldPodsRunning(): boolean {
    if (this.oldRss.some((rs) => statusNum(rs, 'replicas') > 0)) return true;
    const oldUids = new Set(this.oldRss.map((rs) => rs.metadata.uid));
    for (const pod of this.ctx.store.list('pods', this.ns).items) {
      const ref = controllerOf(pod);
      if (ref === undefined || !oldUids.has(ref.uid)) continue;
      const phase: unknown = pod.status?.phase;
      if (phase === 'Failed' || phase === 'Succeeded') continue;
      return true;
    }
    return false;
  }

  /** Deletes the lowest-revision fully scaled-down old ReplicaSets beyond revisionHistoryLimit. */
  private cleanupDeployment(): void {
    const doomed = cleanupPlan(
      this.oldRss.map((rs) => ({
        name: rs.metadata.name ?? '',
        createdMs: timeMs(rs.metadata.creationTimestamp),
        revision: revisionForOrdering(rs.metadata.annotations),
        specReplicas: specReplicas(rs),
        statusReplicas: statusNum(rs, 'replicas'),
        generation: rs.metadata.generation ?? 0,
        observedGeneration: statusNum(rs, 'observedGeneration'),
        deleting: rs.metadata.deletionTimestamp !== undefined,
      })),
      this.spec.revisionHistoryLimit,
    );
    for (const name of doomed) {
      const rs = this.rss.find((x) => x.metadata.name === name);
      if (rs === undefined) continue;
      try {
        this.ctx.store.delete('replicasets', this.ns, name);
      } catch (err) {
        if (apiErrorCode(err) !== 404) throw err;
      }
      this.rss = this.rss.filter((x) => x.metadata.uid !== rs.metadata.uid);
    }
  }

  /* ---------- status ---------- */

  private checkPausedConditions(): void {
    if (this.spec.progressDeadlineSeconds === undefined) return;
    const cond = getCondition(this.status, 'Progressing');
    if (cond?.reason === REASON.progressDeadlineExceeded) return;
    const pausedCondExists = cond?.reason === REASON.deploymentPaused;
    if (this.spec.paused && !pausedCondExists) {
      setCondition(this.status, newCondition('Progressing', 'Unknown', REASON.deploymentPaused, 'Deployment is paused', this.ctx.now()));
    } else if (!this.spec.paused && pausedCondExists) {
      setCondition(this.status, newCondition('Progressing', 'Unknown', REASON.deploymentResumed, 'Deployment is resumed', this.ctx.now()));
    } else return;
    this.writeDeployment(false);
  }

  private computeStatus(): DeploymentStatus {
    const counts = (rs: KObject): { specReplicas: number; statusReplicas: number; readyReplicas: number; availableReplicas: number } => ({
      specReplicas: specReplicas(rs),
      statusReplicas: statusNum(rs, 'replicas'),
      readyReplicas: statusNum(rs, 'readyReplicas'),
      availableReplicas: statusNum(rs, 'availableReplicas'),
    });
    const newRs = this.newRs;
    return calculateStatus(
      this.status,
      this.generation,
      this.spec.replicas,
      maxUnavailableOf(this.spec.strategy, this.spec.replicas),
      this.allRss.map(counts),
      newRs === undefined ? undefined : counts(newRs),
      this.ctx.now(),
    );
  }

  private syncDeploymentStatus(): void {
    const next = this.computeStatus();
    if (jsonEqual(this.status, next)) return;
    this.d.status = next;
    this.writeDeployment(false);
  }

  /** Status plus the Progressing condition (upstream syncRolloutStatus). */
  private syncRolloutStatus(): void {
    const next = this.computeStatus();
    const deadline = this.spec.progressDeadlineSeconds;
    if (deadline === undefined) removeCondition(next, 'Progressing');
    const current = getCondition(this.status, 'Progressing');
    const alreadyComplete = next.replicas === next.updatedReplicas && current?.reason === REASON.newReplicaSetAvailable;
    const newRsName = this.newRs?.metadata.name;
    const subject = newRsName === undefined ? `Deployment "${this.name}"` : `ReplicaSet "${newRsName}"`;
    const now = this.ctx.now();
    if (deadline !== undefined && !alreadyComplete) {
      if (deploymentComplete(this.spec.replicas, this.generation, next)) {
        setCondition(next, newCondition('Progressing', 'True', REASON.newReplicaSetAvailable, `${subject} has successfully progressed.`, now));
      } else if (deploymentProgressing(this.status, next)) {
        // Same reason, new lastUpdateTime: progress restarts the deadline clock.
        const cond = newCondition('Progressing', 'True', REASON.replicaSetUpdated, `${subject} is progressing.`, now);
        if (current !== undefined) {
          if (current.status === 'True') cond.lastTransitionTime = current.lastTransitionTime;
          removeCondition(next, 'Progressing');
        }
        setCondition(next, cond);
      } else if (deploymentTimedOut(deadline, next, now)) {
        setCondition(next, newCondition('Progressing', 'False', REASON.progressDeadlineExceeded, `${subject} has timed out progressing.`, now));
      }
    }
    const failure = this.replicaFailure();
    if (failure !== undefined) setCondition(next, failure);
    else removeCondition(next, 'ReplicaFailure');
    if (jsonEqual(this.status, next)) {
      this.requeueStuckDeployment(next);
      return;
    }
    this.d.status = next;
    this.writeDeployment(false);
  }

  /** The new ReplicaSet's ReplicaFailure condition, else an old one's, as a Deployment condition. */
  private replicaFailure(): DeploymentCondition | undefined {
    const newRs = this.newRs;
    for (const rs of newRs === undefined ? this.allRss : [newRs, ...this.allRss]) {
      const conds = (Array.isArray(rs.status?.conditions) ? rs.status.conditions : []) as Array<Record<string, string>>;
      const c = conds.find((x) => x['type'] === 'ReplicaFailure');
      if (c === undefined) continue;
      const t = c['lastTransitionTime'] ?? rfc3339(this.ctx.now());
      return { type: 'ReplicaFailure', status: (c['status'] ?? 'True') as DeploymentCondition['status'], reason: c['reason'] ?? '', message: c['message'] ?? '', lastUpdateTime: t, lastTransitionTime: t };
    }
    return undefined;
  }

  /** Checks the progress deadline again when it would pass (upstream requeueStuckDeployment). */
  private requeueStuckDeployment(next: DeploymentStatus): void {
    const deadline = this.spec.progressDeadlineSeconds;
    const cond = getCondition(this.status, 'Progressing');
    if (deadline === undefined || cond === undefined) return;
    if (deploymentComplete(this.spec.replicas, this.generation, next) || cond.reason === REASON.progressDeadlineExceeded) return;
    const from = Date.parse(cond.lastUpdateTime);
    if (Number.isNaN(from)) return;
    const after = from + deadline * 1000 - this.ctx.now();
    this.requeueAfter(Math.max(10, after + 10));
  }

  /**
   * Writes the Deployment's status, and its annotations when `annotations` (the revision).
   * Upstream writes both through the status subresource; a store whose status subresource keeps
   * metadata gets a plain update for the annotations too.
   */
  private writeDeployment(annotations: boolean): void {
    const wantStatus = this.d.status;
    const wantAnnotations = this.d.metadata.annotations;
    let written = this.ctx.store.update('deployments', this.d, { subresource: 'status' });
    if (annotations && !jsonEqual(written.metadata.annotations ?? {}, wantAnnotations ?? {})) {
      const withMeta = structuredClone(written);
      withMeta.metadata.annotations = { ...(written.metadata.annotations ?? {}), ...(wantAnnotations ?? {}) };
      written = this.ctx.store.update('deployments', withMeta);
      if (!jsonEqual(written.status, wantStatus)) {
        written.status = wantStatus;
        written = this.ctx.store.update('deployments', written, { subresource: 'status' });
      }
    }
    this.d = written;
    this.d.status ??= {};
  }
}
