"""Deployment files: the nginx site (deploy/nginx/), and the loopback cluster that runs them
as several hosts would (`make cluster`, deploy/cluster.py) with its test (`make cluster-test`,
deploy/cluster_check.py). docs/deploy.md describes both."""
