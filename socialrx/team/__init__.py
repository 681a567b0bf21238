"""Who is looking, and what the team keeps: the access list and the roles it gives
(`access`), and the store that outlives a session (`store`: the audit trail, the team's
neighbourhoods and named views, workshop guest links, directory corrections). No person-level
data goes into either. Streamlit is not imported here: the identity seam, which asks it who is
signed in, is `socialrx.ui.identity`."""
