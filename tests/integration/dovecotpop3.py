"""The private Dovecot POP3 server of scripts/bench-pop3 and the POP3
client tests (POP3_TEST_PEER=dovecot): tests/integration/dovecotpeer.py
with protocols=("pop3",), under its former interface.

    with DovecotPop3(work, maildir, "bench", "bench", cert=..., key=...) as d:
        d.port, d.tls_port        # POP3, and POP3S when cert/key are given
"""
from dovecotpeer import DovecotPeer, binary, chown_tree, first_user  # noqa


class DovecotPop3(DovecotPeer):
    def __init__(self, work, maildir, user, password, cert=None, key=None):
        super().__init__(work, maildir, user, password, cert, key,
                         protocols=("pop3",))
        self.port, self.tls_port = self.ports["pop3"], self.ports["pop3s"]
