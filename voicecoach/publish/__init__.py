"""Getting a session onto a client's phone: publish to the clinic's web space, or hand it
over on the local network.

``target`` parses where to publish and finds its credentials (environment or
``.voicecoach/publish.yaml``, never the URL); ``upload`` sends what changed, the page
last; ``handover`` serves one share folder to phones on the LAN for a limited time;
``terminal`` prints a QR code of an address. These sit on top of the pipeline, beside the
CLI and the studio.
"""
