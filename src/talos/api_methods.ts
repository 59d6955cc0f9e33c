/**
 * Full gRPC method paths of the Talos API calls k8zner makes (`/<package>.<Service>/<Method>`, Talos v1.13).
 *
 * @module
 */

/** Method paths by short name. */
export const TALOS_METHODS = {
  Version: "/machine.MachineService/Version",
  ApplyConfiguration: "/machine.MachineService/ApplyConfiguration",
  Bootstrap: "/machine.MachineService/Bootstrap",
  Kubeconfig: "/machine.MachineService/Kubeconfig",
  EtcdMemberList: "/machine.MachineService/EtcdMemberList",
  EtcdRemoveMemberByID: "/machine.MachineService/EtcdRemoveMemberByID",
  EtcdForfeitLeadership: "/machine.MachineService/EtcdForfeitLeadership",
  EtcdLeaveCluster: "/machine.MachineService/EtcdLeaveCluster",
  EtcdSnapshot: "/machine.MachineService/EtcdSnapshot",
  EtcdRecover: "/machine.MachineService/EtcdRecover",
  ServiceList: "/machine.MachineService/ServiceList",
  Reboot: "/machine.MachineService/Reboot",
  Reset: "/machine.MachineService/Reset",
  Upgrade: "/machine.MachineService/Upgrade",
} as const;

/** Short name of a Talos method, e.g. `"Bootstrap"`. */
export type TalosMethodName = keyof typeof TALOS_METHODS;
