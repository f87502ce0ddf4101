"""The EC2 driver: AWS (or an EC2-compatible endpoint such as moto's) through aiobotocore."""

from cloudgate.drivers.ec2.driver import Ec2Driver

__all__ = ["Ec2Driver"]
