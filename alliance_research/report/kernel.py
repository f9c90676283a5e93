"""The kernel manager the report runs notebooks with: jupyter_client's, over local IPC sockets.

Two changes from the default, both so that the analyst's terminal shows only the report's progress: IPC
transport (the kernel is on this machine, so TCP is not needed, and the kernel warns that TCP is unencrypted),
each kernel's sockets in a folder of its own; and no interrupt before the shutdown request at the end (the
kernel is idle by then, and an interrupt makes it log "KeyboardInterrupt caught in kernel" as an error).

``make notebooks`` uses it too (``--ExecutePreprocessor.kernel_manager_class=``).
"""

from __future__ import annotations

import os
import shutil
import tempfile

from jupyter_client.manager import AsyncKernelManager
from traitlets import CaselessStrEnum, default

__all__ = ["LocalKernelManager"]


class LocalKernelManager(AsyncKernelManager):
    """An :class:`~jupyter_client.manager.AsyncKernelManager` over IPC that does not interrupt an idle kernel to
    shut it down."""

    transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc")

    @default("ip")
    def _socket_path(self) -> str:
        # the sockets in a folder of this kernel's own: notebooks run side by side must never share one
        self._socket_dir = tempfile.mkdtemp(prefix="alliance-research-kernel-")
        return os.path.join(self._socket_dir, "kernel")

    async def _async_interrupt_kernel(self) -> None:
        if not self.shutting_down:
            await super()._async_interrupt_kernel()

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart and getattr(self, "_socket_dir", None):
            shutil.rmtree(self._socket_dir, ignore_errors=True)
