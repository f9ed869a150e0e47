"""The suite's Stigmer client: the official ``stigmer`` SDK for one organization, composed
of one part per kind of resource.

    api.agents / api.workflows / api.skills / api.mcp_servers     the resources
    api.agent_executions / api.workflow_executions                executions (one helper,
                                                                  harness.stigmer.executions)

Every SDK call carries a deadline (``harness.stigmer.deadline``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from harness.stigmer.agents import Agent, AgentExecutions, Agents
from harness.stigmer.deadline import deadline_client
from harness.stigmer.inputs import McpServer
from harness.stigmer.manifests import Manifest
from harness.stigmer.mcp_servers import McpServers
from harness.stigmer.projects import Inventory, organization_snapshot
from harness.stigmer.skills import Skills
from harness.stigmer.workflows import Workflow, WorkflowExecutions, Workflows

Resource = Agent | Workflow | McpServer


class StigmerApi:
    """Everything the steps do through Stigmer's API, scoped to one organization."""

    def __init__(self, address: str, api_key: str, org: str, call_timeout: float = 30.0) -> None:
        self.address = address
        self.org = org
        # Every SDK call gets a deadline: a server that stops answering fails the step.
        self.client, channel = deadline_client(api_key, address, call_timeout)
        self.agents = Agents(self.client, org)
        self.workflows = Workflows(self.client, org)
        self.skills = Skills(self.client, org)
        self.mcp_servers = McpServers(self.client, org)
        self.agent_executions = AgentExecutions(self.client, channel, org)
        self.workflow_executions = WorkflowExecutions(self.client, channel, org)

    def apply(self, manifest: Manifest, values: Mapping[str, str] | None = None) -> Resource:
        """Create or update the resource of a manifest (agent, workflow or MCP server);
        ``values`` fill its ``{{ name }}`` placeholders."""
        if manifest.kind == "Workflow":
            workflow = manifest.to_proto(org=self.org, values=values)
            assert isinstance(workflow, Workflow)
            return self.workflows.apply(workflow)
        if manifest.kind == "McpServer":
            return self.mcp_servers.apply(manifest, values)
        return self.agents.apply(manifest, values)

    def apply_all(self, manifests: Iterable[Manifest]) -> list[Resource]:
        return [self.apply(manifest) for manifest in manifests]

    def inventory(self) -> Inventory:
        """What the organization holds now (resources with versions, every execution)."""
        resources = organization_snapshot(self.client, self.org)
        workflow_runs = {run.metadata.id for item in resources.values()
                         if item.kind == "Workflow"
                         for run in self.workflow_executions.of(item.resource_id)}
        return Inventory(resources, frozenset(self.agent_executions.ids()),
                         frozenset(workflow_runs))

    def close(self) -> None:
        self.client.close()
