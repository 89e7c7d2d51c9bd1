import { useTranslation } from 'react-i18next';
import { type Language, setLanguage } from '../i18n';

/** One button that switches between Chinese and English; `onChange` lets a logged-in console save it. */
export function LanguageToggle({ onChange }: { onChange?: (lng: Language) => void }) {
  const { t, i18n } = useTranslation();
  const next: Language = i18n.language === 'zh-CN' ? 'en' : 'zh-CN';
  return (
    <button
      type="button"
      className="link"
      lang={next}
      title={t('language.label')}
      onClick={async () => {
        await setLanguage(next);
        onChange?.(next);
      }}
    >
      {t('language.switchTo')}
    </button>
  );
}
