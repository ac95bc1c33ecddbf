"""The phone line: speech in and out around the same assistant as the web chat.

The gateway is a transport. It turns a caller's audio into text messages for Rasa's REST channel
`phone` and Rasa's replies into audio; it holds no dialogue of its own beyond turn-taking
(endpointing, barge-in, re-prompts on silence, DTMF, reading numbers back). See voice/README.md.
"""
