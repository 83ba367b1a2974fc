/** Field names of the Kubernetes types a sweep path walks through, taken from the client's models (so they follow the API version it ships). */
import { V1Container, V1DeploymentSpec, V1PodSpec } from '@kubernetes/client-node';

const names = (m: { getAttributeTypeMap(): Array<{ baseName: string }> }): readonly string[] => m.getAttributeTypeMap().map((a) => a.baseName);

/** Fields of a Deployment spec (replicas, strategy, template...). */
export const V1DeploymentSpecAttributes: readonly string[] = names(V1DeploymentSpec);
/** Fields of a pod spec (containers, terminationGracePeriodSeconds...). */
export const V1PodSpecAttributes: readonly string[] = names(V1PodSpec);
/** Fields of a container (lifecycle, readinessProbe, image...). */
export const V1ContainerAttributes: readonly string[] = names(V1Container);
