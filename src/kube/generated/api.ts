import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { Claim as _k8s_io_kubelet_pkg_apis_dra_v1_Claim, Claim__Output as _k8s_io_kubelet_pkg_apis_dra_v1_Claim__Output } from './k8s/io/kubelet/pkg/apis/dra/v1/Claim.ts';
import type { DRAPluginClient as _k8s_io_kubelet_pkg_apis_dra_v1_DRAPluginClient, DRAPluginDefinition as _k8s_io_kubelet_pkg_apis_dra_v1_DRAPluginDefinition } from './k8s/io/kubelet/pkg/apis/dra/v1/DRAPlugin.ts';
import type { Device as _k8s_io_kubelet_pkg_apis_dra_v1_Device, Device__Output as _k8s_io_kubelet_pkg_apis_dra_v1_Device__Output } from './k8s/io/kubelet/pkg/apis/dra/v1/Device.ts';
import type { NodePrepareResourceResponse as _k8s_io_kubelet_pkg_apis_dra_v1_NodePrepareResourceResponse, NodePrepareResourceResponse__Output as _k8s_io_kubelet_pkg_apis_dra_v1_NodePrepareResourceResponse__Output } from './k8s/io/kubelet/pkg/apis/dra/v1/NodePrepareResourceResponse.ts';
import type { NodePrepareResourcesRequest as _k8s_io_kubelet_pkg_apis_dra_v1_NodePrepareResourcesRequest, NodePrepareResourcesRequest__Output as _k8s_io_kubelet_pkg_apis_dra_v1_NodePrepareResourcesRequest__Output } from './k8s/io/kubelet/pkg/apis/dra/v1/NodePrepareResourcesRequest.ts';
import type { NodePrepareResourcesResponse as _k8s_io_kubelet_pkg_apis_dra_v1_NodePrepareResourcesResponse, NodePrepareResourcesResponse__Output as _k8s_io_kubelet_pkg_apis_dra_v1_NodePrepareResourcesResponse__Output } from './k8s/io/kubelet/pkg/apis/dra/v1/NodePrepareResourcesResponse.ts';
import type { NodeUnprepareResourceResponse as _k8s_io_kubelet_pkg_apis_dra_v1_NodeUnprepareResourceResponse, NodeUnprepareResourceResponse__Output as _k8s_io_kubelet_pkg_apis_dra_v1_NodeUnprepareResourceResponse__Output } from './k8s/io/kubelet/pkg/apis/dra/v1/NodeUnprepareResourceResponse.ts';
import type { NodeUnprepareResourcesRequest as _k8s_io_kubelet_pkg_apis_dra_v1_NodeUnprepareResourcesRequest, NodeUnprepareResourcesRequest__Output as _k8s_io_kubelet_pkg_apis_dra_v1_NodeUnprepareResourcesRequest__Output } from './k8s/io/kubelet/pkg/apis/dra/v1/NodeUnprepareResourcesRequest.ts';
import type { NodeUnprepareResourcesResponse as _k8s_io_kubelet_pkg_apis_dra_v1_NodeUnprepareResourcesResponse, NodeUnprepareResourcesResponse__Output as _k8s_io_kubelet_pkg_apis_dra_v1_NodeUnprepareResourcesResponse__Output } from './k8s/io/kubelet/pkg/apis/dra/v1/NodeUnprepareResourcesResponse.ts';
import type { InfoRequest as _pluginregistration_InfoRequest, InfoRequest__Output as _pluginregistration_InfoRequest__Output } from './pluginregistration/InfoRequest.ts';
import type { PluginInfo as _pluginregistration_PluginInfo, PluginInfo__Output as _pluginregistration_PluginInfo__Output } from './pluginregistration/PluginInfo.ts';
import type { RegistrationClient as _pluginregistration_RegistrationClient, RegistrationDefinition as _pluginregistration_RegistrationDefinition } from './pluginregistration/Registration.ts';
import type { RegistrationStatus as _pluginregistration_RegistrationStatus, RegistrationStatus__Output as _pluginregistration_RegistrationStatus__Output } from './pluginregistration/RegistrationStatus.ts';
import type { RegistrationStatusResponse as _pluginregistration_RegistrationStatusResponse, RegistrationStatusResponse__Output as _pluginregistration_RegistrationStatusResponse__Output } from './pluginregistration/RegistrationStatusResponse.ts';
import type { AllocateRequest as _v1beta1_AllocateRequest, AllocateRequest__Output as _v1beta1_AllocateRequest__Output } from './v1beta1/AllocateRequest.ts';
import type { AllocateResponse as _v1beta1_AllocateResponse, AllocateResponse__Output as _v1beta1_AllocateResponse__Output } from './v1beta1/AllocateResponse.ts';
import type { CDIDevice as _v1beta1_CDIDevice, CDIDevice__Output as _v1beta1_CDIDevice__Output } from './v1beta1/CDIDevice.ts';
import type { ContainerAllocateRequest as _v1beta1_ContainerAllocateRequest, ContainerAllocateRequest__Output as _v1beta1_ContainerAllocateRequest__Output } from './v1beta1/ContainerAllocateRequest.ts';
import type { ContainerAllocateResponse as _v1beta1_ContainerAllocateResponse, ContainerAllocateResponse__Output as _v1beta1_ContainerAllocateResponse__Output } from './v1beta1/ContainerAllocateResponse.ts';
import type { ContainerPreferredAllocationRequest as _v1beta1_ContainerPreferredAllocationRequest, ContainerPreferredAllocationRequest__Output as _v1beta1_ContainerPreferredAllocationRequest__Output } from './v1beta1/ContainerPreferredAllocationRequest.ts';
import type { ContainerPreferredAllocationResponse as _v1beta1_ContainerPreferredAllocationResponse, ContainerPreferredAllocationResponse__Output as _v1beta1_ContainerPreferredAllocationResponse__Output } from './v1beta1/ContainerPreferredAllocationResponse.ts';
import type { Device as _v1beta1_Device, Device__Output as _v1beta1_Device__Output } from './v1beta1/Device.ts';
import type { DevicePluginClient as _v1beta1_DevicePluginClient, DevicePluginDefinition as _v1beta1_DevicePluginDefinition } from './v1beta1/DevicePlugin.ts';
import type { DevicePluginOptions as _v1beta1_DevicePluginOptions, DevicePluginOptions__Output as _v1beta1_DevicePluginOptions__Output } from './v1beta1/DevicePluginOptions.ts';
import type { DeviceSpec as _v1beta1_DeviceSpec, DeviceSpec__Output as _v1beta1_DeviceSpec__Output } from './v1beta1/DeviceSpec.ts';
import type { Empty as _v1beta1_Empty, Empty__Output as _v1beta1_Empty__Output } from './v1beta1/Empty.ts';
import type { ListAndWatchResponse as _v1beta1_ListAndWatchResponse, ListAndWatchResponse__Output as _v1beta1_ListAndWatchResponse__Output } from './v1beta1/ListAndWatchResponse.ts';
import type { Mount as _v1beta1_Mount, Mount__Output as _v1beta1_Mount__Output } from './v1beta1/Mount.ts';
import type { NUMANode as _v1beta1_NUMANode, NUMANode__Output as _v1beta1_NUMANode__Output } from './v1beta1/NUMANode.ts';
import type { PreStartContainerRequest as _v1beta1_PreStartContainerRequest, PreStartContainerRequest__Output as _v1beta1_PreStartContainerRequest__Output } from './v1beta1/PreStartContainerRequest.ts';
import type { PreStartContainerResponse as _v1beta1_PreStartContainerResponse, PreStartContainerResponse__Output as _v1beta1_PreStartContainerResponse__Output } from './v1beta1/PreStartContainerResponse.ts';
import type { PreferredAllocationRequest as _v1beta1_PreferredAllocationRequest, PreferredAllocationRequest__Output as _v1beta1_PreferredAllocationRequest__Output } from './v1beta1/PreferredAllocationRequest.ts';
import type { PreferredAllocationResponse as _v1beta1_PreferredAllocationResponse, PreferredAllocationResponse__Output as _v1beta1_PreferredAllocationResponse__Output } from './v1beta1/PreferredAllocationResponse.ts';
import type { RegisterRequest as _v1beta1_RegisterRequest, RegisterRequest__Output as _v1beta1_RegisterRequest__Output } from './v1beta1/RegisterRequest.ts';
import type { RegistrationClient as _v1beta1_RegistrationClient, RegistrationDefinition as _v1beta1_RegistrationDefinition } from './v1beta1/Registration.ts';
import type { TopologyInfo as _v1beta1_TopologyInfo, TopologyInfo__Output as _v1beta1_TopologyInfo__Output } from './v1beta1/TopologyInfo.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  k8s: {
    io: {
      kubelet: {
        pkg: {
          apis: {
            dra: {
              v1: {
                Claim: MessageTypeDefinition<_k8s_io_kubelet_pkg_apis_dra_v1_Claim, _k8s_io_kubelet_pkg_apis_dra_v1_Claim__Output>
                DRAPlugin: SubtypeConstructor<typeof grpc.Client, _k8s_io_kubelet_pkg_apis_dra_v1_DRAPluginClient> & { service: _k8s_io_kubelet_pkg_apis_dra_v1_DRAPluginDefinition }
                Device: MessageTypeDefinition<_k8s_io_kubelet_pkg_apis_dra_v1_Device, _k8s_io_kubelet_pkg_apis_dra_v1_Device__Output>
                NodePrepareResourceResponse: MessageTypeDefinition<_k8s_io_kubelet_pkg_apis_dra_v1_NodePrepareResourceResponse, _k8s_io_kubelet_pkg_apis_dra_v1_NodePrepareResourceResponse__Output>
                NodePrepareResourcesRequest: MessageTypeDefinition<_k8s_io_kubelet_pkg_apis_dra_v1_NodePrepareResourcesRequest, _k8s_io_kubelet_pkg_apis_dra_v1_NodePrepareResourcesRequest__Output>
                NodePrepareResourcesResponse: MessageTypeDefinition<_k8s_io_kubelet_pkg_apis_dra_v1_NodePrepareResourcesResponse, _k8s_io_kubelet_pkg_apis_dra_v1_NodePrepareResourcesResponse__Output>
                NodeUnprepareResourceResponse: MessageTypeDefinition<_k8s_io_kubelet_pkg_apis_dra_v1_NodeUnprepareResourceResponse, _k8s_io_kubelet_pkg_apis_dra_v1_NodeUnprepareResourceResponse__Output>
                NodeUnprepareResourcesRequest: MessageTypeDefinition<_k8s_io_kubelet_pkg_apis_dra_v1_NodeUnprepareResourcesRequest, _k8s_io_kubelet_pkg_apis_dra_v1_NodeUnprepareResourcesRequest__Output>
                NodeUnprepareResourcesResponse: MessageTypeDefinition<_k8s_io_kubelet_pkg_apis_dra_v1_NodeUnprepareResourcesResponse, _k8s_io_kubelet_pkg_apis_dra_v1_NodeUnprepareResourcesResponse__Output>
              }
            }
          }
        }
      }
    }
  }
  pluginregistration: {
    InfoRequest: MessageTypeDefinition<_pluginregistration_InfoRequest, _pluginregistration_InfoRequest__Output>
    PluginInfo: MessageTypeDefinition<_pluginregistration_PluginInfo, _pluginregistration_PluginInfo__Output>
    Registration: SubtypeConstructor<typeof grpc.Client, _pluginregistration_RegistrationClient> & { service: _pluginregistration_RegistrationDefinition }
    RegistrationStatus: MessageTypeDefinition<_pluginregistration_RegistrationStatus, _pluginregistration_RegistrationStatus__Output>
    RegistrationStatusResponse: MessageTypeDefinition<_pluginregistration_RegistrationStatusResponse, _pluginregistration_RegistrationStatusResponse__Output>
  }
  v1beta1: {
    AllocateRequest: MessageTypeDefinition<_v1beta1_AllocateRequest, _v1beta1_AllocateRequest__Output>
    AllocateResponse: MessageTypeDefinition<_v1beta1_AllocateResponse, _v1beta1_AllocateResponse__Output>
    CDIDevice: MessageTypeDefinition<_v1beta1_CDIDevice, _v1beta1_CDIDevice__Output>
    ContainerAllocateRequest: MessageTypeDefinition<_v1beta1_ContainerAllocateRequest, _v1beta1_ContainerAllocateRequest__Output>
    ContainerAllocateResponse: MessageTypeDefinition<_v1beta1_ContainerAllocateResponse, _v1beta1_ContainerAllocateResponse__Output>
    ContainerPreferredAllocationRequest: MessageTypeDefinition<_v1beta1_ContainerPreferredAllocationRequest, _v1beta1_ContainerPreferredAllocationRequest__Output>
    ContainerPreferredAllocationResponse: MessageTypeDefinition<_v1beta1_ContainerPreferredAllocationResponse, _v1beta1_ContainerPreferredAllocationResponse__Output>
    Device: MessageTypeDefinition<_v1beta1_Device, _v1beta1_Device__Output>
    DevicePlugin: SubtypeConstructor<typeof grpc.Client, _v1beta1_DevicePluginClient> & { service: _v1beta1_DevicePluginDefinition }
    DevicePluginOptions: MessageTypeDefinition<_v1beta1_DevicePluginOptions, _v1beta1_DevicePluginOptions__Output>
    DeviceSpec: MessageTypeDefinition<_v1beta1_DeviceSpec, _v1beta1_DeviceSpec__Output>
    Empty: MessageTypeDefinition<_v1beta1_Empty, _v1beta1_Empty__Output>
    ListAndWatchResponse: MessageTypeDefinition<_v1beta1_ListAndWatchResponse, _v1beta1_ListAndWatchResponse__Output>
    Mount: MessageTypeDefinition<_v1beta1_Mount, _v1beta1_Mount__Output>
    NUMANode: MessageTypeDefinition<_v1beta1_NUMANode, _v1beta1_NUMANode__Output>
    PreStartContainerRequest: MessageTypeDefinition<_v1beta1_PreStartContainerRequest, _v1beta1_PreStartContainerRequest__Output>
    PreStartContainerResponse: MessageTypeDefinition<_v1beta1_PreStartContainerResponse, _v1beta1_PreStartContainerResponse__Output>
    PreferredAllocationRequest: MessageTypeDefinition<_v1beta1_PreferredAllocationRequest, _v1beta1_PreferredAllocationRequest__Output>
    PreferredAllocationResponse: MessageTypeDefinition<_v1beta1_PreferredAllocationResponse, _v1beta1_PreferredAllocationResponse__Output>
    RegisterRequest: MessageTypeDefinition<_v1beta1_RegisterRequest, _v1beta1_RegisterRequest__Output>
    Registration: SubtypeConstructor<typeof grpc.Client, _v1beta1_RegistrationClient> & { service: _v1beta1_RegistrationDefinition }
    TopologyInfo: MessageTypeDefinition<_v1beta1_TopologyInfo, _v1beta1_TopologyInfo__Output>
  }
}

