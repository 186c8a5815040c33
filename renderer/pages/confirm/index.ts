export { ConfirmPage, confirmRoute, useConfirmRoute } from './ConfirmPage';
export { NoTrayNotice, QuickActionsButton } from './TrayFallback';
