"""Release registration: the pipelines and models each environment runs, as Pulumi resources."""
