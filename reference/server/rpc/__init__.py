"""gRPC servicers: thin adapters from the generated stigmer-protos bases to the services."""
