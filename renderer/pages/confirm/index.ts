export { ConfirmPage, confirmRoute, useConfirmRoute } from './ConfirmPage';
export { DesktopSettingsButton } from './DesktopSettings';
export { RoutedJob, jobIdOfPath, useRoutedJobId } from './RoutedJob';
export { NoTrayNotice, QuickActionsButton } from './TrayFallback';
