import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './en';
import { zhCN } from './zh-CN';

export type Language = 'zh-CN' | 'en';
export const LANGUAGES: readonly Language[] = ['zh-CN', 'en'];

/** Chinese first; English on request. Missing keys are a test failure, never a silent fallback at runtime. */
export async function initI18n(lng: Language = 'zh-CN') {
  await i18next.use(initReactI18next).init({
    lng,
    fallbackLng: false,
    resources: { 'zh-CN': { translation: zhCN }, en: { translation: en } },
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  document.documentElement.lang = lng;
  return i18next;
}

export async function setLanguage(lng: Language) {
  await i18next.changeLanguage(lng);
  document.documentElement.lang = lng;
}
