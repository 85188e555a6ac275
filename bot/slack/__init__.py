"""The Slack adapter: the command grammar, the Web API client factory, and (built by the app
factory) the Bolt app with its listeners grouped by Slack surface."""
