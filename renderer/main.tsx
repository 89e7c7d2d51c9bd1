import './transport/no-eval';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { initI18n } from './i18n';
import { connectSeat } from './transport';

/** Start: pick the transport (Electron preload or WebSocket), load the language, render. */
async function start() {
  const root = document.getElementById('root');
  if (!root) throw new Error('no #root');
  await initI18n('zh-CN');
  const seat = await connectSeat();
  createRoot(root).render(
    <StrictMode>
      <App seat={seat} />
    </StrictMode>,
  );
}

start().catch((error: unknown) => {
  console.error('seat: start failed', error);
  const root = document.getElementById('root');
  if (root) root.textContent = '无法连接坐席服务，请重新启动坐席程序。';
});
