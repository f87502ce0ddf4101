"""The EC2-compatible front-end (the EC2 Query API at /ec2), authenticated by AWS Signature Version 4
with gateway-issued access keys."""
