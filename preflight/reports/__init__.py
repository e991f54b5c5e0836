"""The reports room: what a reviewer reads of a run — compliance per framework, the graph, the job
summary, and the estimates (cost, deploy time, recovery)."""
