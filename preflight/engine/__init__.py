"""The engine room: the Pulumi program run offline under the SDK's mock runtime (mocks, runner), the
create-time constraints AWS would enforce, and the policy pack spoken to over the Analyzer protocol."""
