"""Every EC2 action the gateway answers, by name: the one table the app dispatches on."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from cloudgate.frontends.ec2 import catalog, images, instances, keypairs, network, security_groups, tags, volumes
from cloudgate.frontends.ec2.context import Ec2Request

Handler = Callable[[Ec2Request, dict[str, Any]], Awaitable[dict[str, Any]]]

ACTIONS: dict[str, Handler] = {
    # what the account offers
    "DescribeRegions": catalog.describe_regions,
    "DescribeAvailabilityZones": catalog.describe_availability_zones,
    "DescribeInstanceTypes": catalog.describe_instance_types,
    "DescribeInstanceTypeOfferings": catalog.describe_instance_type_offerings,
    "DescribeAccountAttributes": catalog.describe_account_attributes,
    "DescribeAddresses": catalog.describe_addresses,
    "DescribePlacementGroups": catalog.describe_placement_groups,
    "DescribeNatGateways": catalog.describe_nat_gateways,
    "DescribeVpcEndpoints": catalog.describe_vpc_endpoints,
    "DescribeInternetGateways": catalog.describe_internet_gateways,
    # instances
    "RunInstances": instances.run_instances,
    "DescribeInstances": instances.describe_instances,
    "DescribeInstanceStatus": instances.describe_instance_status,
    "DescribeInstanceAttribute": instances.describe_instance_attribute,
    "ModifyInstanceAttribute": instances.modify_instance_attribute,
    "StartInstances": instances.start_instances,
    "StopInstances": instances.stop_instances,
    "RebootInstances": instances.reboot_instances,
    "TerminateInstances": instances.terminate_instances,
    "GetConsoleOutput": instances.get_console_output,
    "GetPasswordData": instances.get_password_data,
    # images
    "DescribeImages": images.describe_images,
    "DescribeImageAttribute": images.describe_image_attribute,
    "CreateImage": images.create_image,
    "DeregisterImage": images.deregister_image,
    # volumes and snapshots
    "CreateVolume": volumes.create_volume,
    "DescribeVolumes": volumes.describe_volumes,
    "DescribeVolumeStatus": volumes.describe_volume_status,
    "DescribeVolumesModifications": volumes.describe_volumes_modifications,
    "DescribeVolumeAttribute": volumes.describe_volume_attribute,
    "AttachVolume": volumes.attach_volume,
    "DetachVolume": volumes.detach_volume,
    "ModifyVolume": volumes.modify_volume,
    "DeleteVolume": volumes.delete_volume,
    "CreateSnapshot": volumes.create_snapshot,
    "DescribeSnapshots": volumes.describe_snapshots,
    "DescribeSnapshotAttribute": volumes.describe_snapshot_attribute,
    "DeleteSnapshot": volumes.delete_snapshot,
    # key pairs
    "CreateKeyPair": keypairs.create_key_pair,
    "ImportKeyPair": keypairs.import_key_pair,
    "DescribeKeyPairs": keypairs.describe_key_pairs,
    "DeleteKeyPair": keypairs.delete_key_pair,
    # security groups
    "CreateSecurityGroup": security_groups.create_security_group,
    "DescribeSecurityGroups": security_groups.describe_security_groups,
    "DescribeSecurityGroupRules": security_groups.describe_security_group_rules,
    "DescribeSecurityGroupReferences": security_groups.describe_security_group_references,
    "AuthorizeSecurityGroupIngress": security_groups.authorize_security_group_ingress,
    "AuthorizeSecurityGroupEgress": security_groups.authorize_security_group_egress,
    "RevokeSecurityGroupIngress": security_groups.revoke_security_group_ingress,
    "RevokeSecurityGroupEgress": security_groups.revoke_security_group_egress,
    "DeleteSecurityGroup": security_groups.delete_security_group,
    # network
    "CreateSubnet": network.create_subnet,
    "DescribeSubnets": network.describe_subnets,
    "DeleteSubnet": network.delete_subnet,
    "DescribeVpcs": network.describe_vpcs,
    "DescribeVpcAttribute": network.describe_vpc_attribute,
    "CreateVpc": network.create_vpc,
    "DeleteVpc": network.delete_vpc,
    # tags
    "CreateTags": tags.create_tags,
    "DeleteTags": tags.delete_tags,
    "DescribeTags": tags.describe_tags,
}
