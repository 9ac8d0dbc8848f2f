// The message types of `istioctl analyze` that meshlab's analyzer reports: code, level and the
// template of istio/istio pkg/config/analysis/msg/messages.yaml, rendered as Go's fmt would
// (%q quotes, %v of a list prints `[a b]`).
export type Level = 'Error' | 'Warning' | 'Info';

export interface Origin {
  kind: string;
  namespace?: string;
  name: string;
}

export interface AnalysisMessage {
  code: string;
  name: string;
  level: Level;
  origin: Origin;
  text: string;
}

/** Go's %q for a string (JSON's escaping is the same for the names these messages carry). */
export const q = (s: string): string => JSON.stringify(s);
/** Go's %v of a []string. */
export const list = (items: readonly string[]): string => `[${items.join(' ')}]`;

type Template = (...args: string[]) => string;

interface MessageType {
  code: string;
  level: Level;
  template: Template;
}

export const MESSAGES = {
  ReferencedResourceNotFound: { code: 'IST0101', level: 'Error', template: (reftype, refval) => `Referenced ${reftype} not found: ${q(refval!)}` },
  NamespaceNotInjected: {
    code: 'IST0102',
    level: 'Info',
    template: (ns) => `The namespace is not enabled for Istio injection. Run 'kubectl label namespace ${ns} istio-injection=enabled' to enable it, or 'kubectl label namespace ${ns} istio-injection=disabled' to explicitly mark it as not needing injection.`,
  },
  PodMissingProxy: { code: 'IST0103', level: 'Warning', template: (pod) => `The pod ${pod} is missing the Istio proxy. This can often be resolved by restarting or redeploying the workload.` },
  ConflictingMeshGatewayVirtualServiceHosts: {
    code: 'IST0109',
    level: 'Error',
    template: (vss, host) => `The VirtualServices ${vss} associated with mesh gateway define the same host ${host} which can lead to undefined behavior. This can be fixed by merging the conflicting VirtualServices into a single resource.`,
  },
  MultipleSidecarsWithoutWorkloadSelectors: {
    code: 'IST0111',
    level: 'Error',
    template: (sidecars, ns) => `The Sidecars ${sidecars} in namespace ${q(ns!)} have no workload selector, which can lead to undefined behavior.`,
  },
  VirtualServiceDestinationPortSelectorRequired: {
    code: 'IST0112',
    level: 'Error',
    template: (host, ports) => `This VirtualService routes to a service ${q(host!)} that exposes multiple ports ${ports}. Specifying a port in the destination is required to disambiguate.`,
  },
  NamespaceMultipleInjectionLabels: {
    code: 'IST0123',
    level: 'Warning',
    template: (labels) => `The namespace has more than one type of injection labels ${labels}, which may lead to undefined behavior. Make sure only one injection label exists.`,
  },
  VirtualServiceUnreachableRule: { code: 'IST0130', level: 'Warning', template: (rule, reason) => `VirtualService rule ${rule} not used (${reason}).` },
  VirtualServiceIneffectiveMatch: { code: 'IST0131', level: 'Info', template: (rule, match, dup) => `VirtualService rule ${rule} match ${match} is not used (duplicate/overlapping match in rule ${dup}).` },
  VirtualServiceHostNotFoundInGateway: { code: 'IST0132', level: 'Warning', template: (hosts, vs, gw) => `one or more host ${hosts} defined in VirtualService ${vs} not found in Gateway ${gw}.` },
  ConflictingGateways: { code: 'IST0145', level: 'Error', template: (gws, selector, port, hosts) => `Conflict with gateways ${gws} (workload selector ${selector}, port ${port}, hosts ${hosts}).` },
  GatewayPortNotDefinedOnService: {
    code: 'IST0162',
    level: 'Warning',
    template: (port, selector) => `The gateway is listening on a target port (port ${port}) that is not defined in the Service associated with its workload instances (Pod selector ${selector}). If you need to access the gateway port through the gateway Service, it will not be available.`,
  },
  DestinationRuleSubsetNotSelectPods: {
    code: 'IST0173',
    level: 'Error',
    template: (subset) => `The Subset ${subset} defined in the DestinationRule does not select any pods. Which may lead to 503 UH (NoHealthyUpstream).`,
  },
} satisfies Record<string, MessageType>;

export type MessageName = keyof typeof MESSAGES;

export function message(name: MessageName, origin: Origin, ...args: string[]): AnalysisMessage {
  const t = MESSAGES[name] as MessageType;
  return { code: t.code, name, level: t.level, origin, text: t.template(...args) };
}
